/*
 * The agent console: log in, watch the waiting list and "mine" live, open a conversation, reply, claim,
 * assign or transfer, resolve and reopen. Everything goes through switchboard.js; text is rendered with
 * textContent only. The session is the HttpOnly sb_agent cookie.
 */
(function () {
  'use strict';
  const $ = id => document.getElementById(id);
  const STATUS_LABEL = { waiting: 'Waiting', open: 'Open', resolved: 'Resolved' };
  const PAGE = 100; // the API's largest page
  const MAX_WAITING_PAGES = 10; // the console lists at most the 1,000 longest waiting (the count covers all)
  const HTTP_REFRESH_MS = 4000;
  const CANNED_FRESH_MS = 3000; // a slash refetches the canned responses when the list is older than this

  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  /** "Chrome 131 on Windows" from a User-Agent string: enough for an agent helping someone. */
  function size(bytes) {
    return window.Switchboard.fileSize(bytes);
  }

  function browserOf(ua) {
    const browser = [['Edg/', 'Edge'], ['OPR/', 'Opera'], ['Firefox/', 'Firefox'], ['Chrome/', 'Chrome'],
      ['Version/', 'Safari']].find(([token]) => ua.includes(token));
    const version = browser ? (ua.split(browser[0])[1] || '').split(/[ .;)]/)[0] : '';
    const os = /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Windows/.test(ua) ? 'Windows'
      : /Mac OS X/.test(ua) ? 'macOS' : /CrOS/.test(ua) ? 'ChromeOS' : /Linux/.test(ua) ? 'Linux' : 'another system';
    return (browser ? browser[1] + (version ? ' ' + version : '') : 'A browser') + ' on ' + os;
  }

  class Console {
    constructor() {
      this.client = new window.Switchboard.Client({ role: 'agent' });
      this.me = null;
      this.conversations = new Map(); // id → ConversationView
      this.waitingPages = 1;          // pages of the waiting list shown (Show more adds one)
      this.waitingTotal = 0;          // the server's count of every waiting conversation
      this.myReads = new Map();       // id → my read cursor
      this.team = new Map();          // agentId → {name, status}
      this.current = null;            // open conversation id
      this.visitorRead = 0;
      this.colleagues = new Map();    // agentId → {name, viewing, typing}
      this.hiddenUnread = 0;
      this.pending = new Map();       // clientMsgId → element
      this.browsePages = 1;           // pages of the Browse list shown
      this.query = '';                // the search shown, if any
      this.labels = [];               // the open conversation's labels
      this.holdView = false;          // a search hit is on screen: new messages do not scroll it away
      this.acted = new Map();         // conversation id → when this agent last changed it (see markActed)
      this.title = document.title;
      this.wire();
    }

    wire() {
      $('login-form').addEventListener('submit', e => {
        e.preventDefault();
        this.login($('username').value, $('password').value);
      });
      $('logout').addEventListener('click', () => this.logout());
      $('back').addEventListener('click', () => { $('app').dataset.view = 'lists'; });
      window.addEventListener('hashchange', () => { if (this.me) this.followLink(); });
      $('waiting-more').addEventListener('click', () => {
        this.waitingPages = Math.min(MAX_WAITING_PAGES, this.waitingPages + 1);
        this.refresh();
      });
      $('availability').addEventListener('change', e => this.client.presence(e.target.value));
      $('search-form').addEventListener('submit', e => {
        e.preventDefault();
        this.search($('search').value);
      });
      $('results-clear').addEventListener('click', () => {
        $('search').value = '';
        this.search('');
      });
      // The agent moves the view herself: from then on new messages follow the bottom again (when she is there).
      ['wheel', 'touchmove', 'keydown', 'mousedown'].forEach(kind =>
        $('messages').addEventListener(kind, () => { this.holdView = false; }, { passive: true }));
      $('view').addEventListener('change', () => this.loadBrowse(1));
      $('label-filter').addEventListener('change', () => {
        this.loadBrowse(1);
        if (this.query) this.search(this.query);
      });
      // The labels to filter by: read at the start, when the filter is about to be used, after a change.
      $('label-filter').addEventListener('focus', () => this.loadLabelOptions());
      $('browse-more').addEventListener('click', () => this.loadBrowse(this.browsePages + 1));
      $('visitor-form').addEventListener('submit', e => {
        e.preventDefault();
        this.saveVisitor();
      });
      $('label-form').addEventListener('submit', e => {
        e.preventDefault();
        const label = $('label-input').value.trim();
        if (label) this.setLabels(this.labels.concat([label]));
      });
      $('sound').addEventListener('change', e => localStorage.setItem(this.soundKey(), e.target.checked ? 'on' : 'off'));
      $('alerts').addEventListener('click', () => this.askForAlerts());
      window.addEventListener('focus', () => this.seen());
      $('composer').addEventListener('submit', e => {
        e.preventDefault();
        this.reply();
      });
      $('attach').addEventListener('click', () => $('attach-input').click());
      $('attach-input').addEventListener('change', () => {
        if ($('attach-input').files.length) this.attach(Array.from($('attach-input').files));
        $('attach-input').value = '';
      });
      $('conversation').addEventListener('dragover', e => e.preventDefault());
      $('conversation').addEventListener('drop', e => {
        const files = Array.from((e.dataTransfer && e.dataTransfer.files) || []);
        if (files.length) {
          e.preventDefault();
          this.attach(files);
        }
      });
      $('reply').addEventListener('paste', e => {
        const files = Array.from((e.clipboardData && e.clipboardData.files) || []);
        if (files.length) {
          e.preventDefault();
          this.attach(files);
        }
      });
      $('reply').addEventListener('keydown', e => {
        if (this.suggesting(e)) return;
        if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
          e.preventDefault();
          this.reply();
        }
      });
      $('reply').addEventListener('input', () => {
        if (!this.noteMode) this.typing();
        this.suggest();
      });
      $('canned-open').addEventListener('click', () => this.openCanned());
      $('webhooks-open').addEventListener('click', () => this.openWebhooks());
      $('webhooks-close').addEventListener('click', () => $('webhooks-dialog').close());
      $('webhooks-form').addEventListener('submit', e => {
        e.preventDefault();
        this.addWebhook();
      });
      $('canned-close').addEventListener('click', () => $('canned-dialog').close());
      $('canned-form').addEventListener('submit', e => {
        e.preventDefault();
        this.saveCanned();
      });
      $('mode-reply').addEventListener('click', () => this.setMode(false));
      $('mode-note').addEventListener('click', () => this.setMode(true));
      $('claim').addEventListener('click', () => this.act('claim'));
      $('assign').addEventListener('click', () => this.act('assign', { agentId: Number($('transfer').value) || null }));
      // The pressed button is disabled by its own success: the focus goes to its counterpart, not to the page.
      $('resolve').addEventListener('click', () => this.act('status', { status: 'resolved' }).then(() => this.keepFocus('resolve', 'reopen')));
      $('reopen').addEventListener('click', () => this.act('status', { status: 'open' }).then(() => this.keepFocus('reopen', 'resolve')));
      $('email-transcript').addEventListener('click', () => this.emailTranscript());
      document.addEventListener('visibilitychange', () => {
        if (!document.hidden) this.seen();
      });

      const c = this.client;
      c.on('status', s => this.connection(s));
      c.on('conversation', conv => this.upsert(conv));
      c.on('activity', a => this.activity(a));
      c.on('message', m => this.message(m));
      c.on('sent', s => this.sent(s));
      c.on('sendfailed', f => this.sendFailed(f));
      c.on('uploadprogress', p => this.uploadProgress(p));
      c.on('typing', f => this.typingFrame(f));
      c.on('viewing', f => this.viewingFrame(f));
      c.on('read', r => this.receipt(r));
      c.on('presence', p => {
        this.team.set(p.agentId, { name: p.name, status: p.status });
        this.renderTeam();
      });
      c.on('unauthorized', () => this.showLogin('Your session ended; please log in again.'));
    }

    async boot() {
      try {
        this.me = await this.client.request('GET', '/api/agents/me');
        this.start();
      } catch (e) {
        this.showLogin(e.status === 401 ? '' : e.message);
      }
    }

    /**
     * Every conversation has an address, #/c/{id}: a link from a colleague, a notification or the browser's
     * history opens it wherever it is (in no list, beyond the first page of the queue, resolved).
     */
    followLink() {
      const m = /^#\/c\/(\d{1,18})$/.exec(location.hash);
      if (m) this.open(Number(m[1]));
    }

    showLogin(message) {
      this.client.stop();
      clearInterval(this.refresher);
      $('app').hidden = true;
      $('login').hidden = false;
      $('login-error').textContent = message || '';
      $('username').focus();
    }

    async login(username, password) {
      try {
        const session = await this.client.request('POST', '/api/agents/login', { username, password });
        this.me = session.agent;
        $('password').value = '';
        this.start();
      } catch (e) {
        $('login-error').textContent = e.status === 401 ? 'Wrong username or password.' : e.message;
      }
    }

    async logout() {
      try {
        await this.client.request('POST', '/api/agents/logout');
      } finally {
        this.showLogin('');
      }
    }

    start() {
      $('login').hidden = true;
      $('app').hidden = false;
      $('me').textContent = this.me.name;
      $('webhooks-open').hidden = this.me.role !== 'admin';
      // Sound is this agent's setting (on unless she turned it off); desktop alerts are asked for, not imposed.
      $('sound').checked = localStorage.getItem(this.soundKey()) !== 'off';
      $('alerts').hidden = !('Notification' in window) || Notification.permission !== 'default';
      this.client.start();
      this.refresh();
      this.loadTeam();
      this.loadCanned();
      this.loadLabelOptions();
      this.followLink();
      clearInterval(this.refresher);
      // Over a WebSocket, SSE or iframe the lists follow the live feed; long-poll and poll carry one
      // conversation's messages only, so there the lists are refreshed from the store instead.
      this.refresher = setInterval(() => {
        if (!this.client.liveFeed) {
          this.refresh();
          this.loadTeam();
        }
      }, HTTP_REFRESH_MS);
    }

    connection(s) {
      const label = { online: 'Online · ' + s.transport, connecting: 'Connecting…', reconnecting: 'Reconnecting…', idle: '' };
      $('connection').textContent = label[s.state] || s.state;
      $('connection').classList.toggle('down', s.state !== 'online');
      document.body.dataset.transport = s.transport;
      document.body.dataset.state = s.state;
      if (s.state === 'online') this.refresh();
    }

    // ---- lists --------------------------------------------------------------------------------------
    async refresh() {
      try {
        // The waiting list as the server orders it (longest waiting first, the same for every agent), as
        // many pages as this agent has asked to see, and the server's count of all of them.
        const pages = [];
        for (let page = 0; page < this.waitingPages; page++) {
          pages.push(this.client.request('GET', '/api/conversations?status=waiting&size=' + PAGE + '&page=' + page));
        }
        const [mine, ...waiting] = await Promise.all(
          [this.client.request('GET', '/api/conversations?status=open&assignee=me&size=' + PAGE), ...pages]);
        const waitingItems = waiting.flatMap(p => p.items);
        this.waitingTotal = waiting[0].total;
        // What the live frames would have said, had one been missed (a gap between two long-polls, a
        // reconnect, short poll): a visitor waiting, a conversation assigned to her. Not at the first load.
        // Only one that started waiting after the newest seen so far (the server's clock): an old one that a
        // shorter queue brings onto the first page is no news.
        const since = c => Date.parse(c.waitingSince) || 0;
        if (this.listed) {
          waitingItems.filter(c => !this.conversations.has(c.id) && since(c) > this.newestWaiting && !this.actedRecently(c.id))
            .forEach(c => this.alert('waiting', c, c.visitor.name + ' is waiting'));
          mine.items.filter(c => {
            const known = this.conversations.get(c.id);
            return known && (!known.assignee || known.assignee.id !== this.me.id) && !this.actedRecently(c.id);
          }).forEach(c => this.alert('assigned', c, c.visitor.name + ' was assigned to you'));
        }
        this.listed = true;
        this.newestWaiting = Math.max(this.newestWaiting || 0, ...waitingItems.map(since));
        // Those no longer waiting on the server leave the list (their live event may have been missed).
        [...this.conversations.values()].filter(c => c.status === 'waiting' && c.id !== this.current
            && !waitingItems.some(w => w.id === c.id))
          .forEach(c => this.conversations.delete(c.id));
        waitingItems.concat(mine.items).forEach(conv => this.conversations.set(conv.id, conv));
        await Promise.all(waitingItems.concat(mine.items).filter(conv => !this.myReads.has(conv.id)).map(conv => this.loadRead(conv.id)));
        this.renderLists();
        this.loadBrowse(this.browsePages);
      } catch (e) {
        // the next refresh or live event catches up
      }
    }

    /**
     * Browse: conversations not in the live lists — a colleague's, resolved ones, or all — optionally with
     * one label, newest activity first, a page at a time (as many pages as asked for, at most 10).
     */
    async loadBrowse(pages) {
      this.browsePages = Math.max(1, Math.min(MAX_WAITING_PAGES, pages));
      const filter = { others: 'status=open&assignee=others', resolved: 'status=resolved', all: '' }[$('view').value];
      const label = $('label-filter').value;
      const query = filter + (label ? '&label=' + encodeURIComponent(label) : '') + '&size=' + PAGE;
      const asked = query + '|' + this.browsePages;
      this.browseAsked = asked;
      try {
        const results = await Promise.all([...Array(this.browsePages).keys()].map(page =>
          this.client.request('GET', '/api/conversations?' + query + '&page=' + page)));
        if (this.browseAsked !== asked) return; // a newer choice is on its way
        this.browse = results.flatMap(r => r.items);
        this.browseTotal = results[0].total;
        this.renderList($('browse'), this.browse);
        $('browse-count').textContent = String(this.browseTotal);
        $('browse-more').hidden = this.browse.length >= this.browseTotal || this.browsePages >= MAX_WAITING_PAGES;
        $('browse-more').textContent = 'Show more (' + (this.browseTotal - this.browse.length) + ')';
      } catch (e) {
        // shown on the next refresh
      }
    }

    async loadLabelOptions() {
      try {
        const labels = await this.client.request('GET', '/api/labels');
        // Unchanged: the options stay as they are (rebuilding them would close a list being opened).
        const key = JSON.stringify(labels);
        if (key === this.labelOptionsKey) return;
        this.labelOptionsKey = key;
        const chosen = $('label-filter').value;
        $('label-filter').replaceChildren(el('option', null, 'Any label'), ...labels.map(l => {
          const o = el('option', null, l.label + ' (' + l.conversations + ')');
          o.value = l.label;
          return o;
        }));
        $('label-filter').firstChild.value = '';
        $('label-filter').value = labels.some(l => l.label === chosen) ? chosen : '';
        $('label-options').replaceChildren(...labels.map(l => {
          const o = el('option');
          o.value = l.label;
          return o;
        }));
      } catch (e) {
        // the filter keeps its options
      }
    }

    /** Full-text search over messages, notes, names and e-mails (the label filter applies too). */
    async search(text) {
      this.query = text.trim();
      if (!this.query) {
        $('results-section').hidden = true;
        $('results').replaceChildren();
        return;
      }
      const label = $('label-filter').value;
      try {
        const page = await this.client.request('GET', '/api/conversations/search?size=' + PAGE + '&q='
          + encodeURIComponent(this.query) + (label ? '&label=' + encodeURIComponent(label) : ''));
        $('results-section').hidden = false;
        $('results-count').textContent = String(page.total);
        $('results-empty').hidden = page.items.length > 0;
        $('results').dataset.key = '';
        this.hits = new Map(page.items.map(h => [h.conversation.id, h.seq]));
        this.renderList($('results'), page.items.map(h => h.conversation), conv => {
          const hit = page.items.find(h => h.conversation.id === conv.id);
          if (!hit || !hit.snippet) return el('div', 'snippet', 'Visitor: ' + conv.visitor.name);
          return el('div', 'snippet' + (hit.internal ? ' note' : ''), (hit.internal ? 'Note: ' : '') + hit.snippet);
        });
      } catch (e) {
        $('results-section').hidden = false;
        $('results-empty').hidden = false;
        $('results-empty').textContent = e.message;
      }
    }

    /** Conversations entered or left the queue: the server's order and count again, soon (coalesced). */
    waitingChanged() {
      clearTimeout(this.waitingTimer);
      this.waitingTimer = setTimeout(() => this.refresh(), 300);
    }

    async loadRead(id) {
      try {
        const reads = await this.client.request('GET', '/api/conversations/' + id + '/reads');
        const mine = reads.find(r => r.readerKind === 'agent' && r.readerId === this.me.id);
        this.myReads.set(id, mine ? mine.seq : 0);
      } catch (e) {
        this.myReads.set(id, 0);
      }
    }

    unread(conv) {
      if (conv.id === this.current && !document.hidden) return 0;
      return Math.max(0, conv.lastSeq - (this.myReads.get(conv.id) || 0));
    }

    renderLists() {
      const all = [...this.conversations.values()];
      const waiting = all.filter(c => c.status === 'waiting')
        .sort((a, b) => (a.waitingSince === b.waitingSince ? a.id - b.id : (a.waitingSince < b.waitingSince ? -1 : 1)));
      const mine = all.filter(c => c.status === 'open' && c.assignee && c.assignee.id === this.me.id)
        .sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : -1));
      this.renderList($('waiting'), waiting);
      this.renderList($('mine'), mine);
      const total = Math.max(this.waitingTotal || 0, waiting.length);
      $('waiting-count').textContent = String(total);
      $('waiting-more').hidden = waiting.length >= total || this.waitingPages >= MAX_WAITING_PAGES;
      $('waiting-more').textContent = 'Show more (' + (total - waiting.length) + ')';
      $('mine-count').textContent = String(mine.length);
    }

    renderList(ul, conversations, detail) {
      // Rebuild only on a visible change, so refreshes do not steal hover or keyboard focus.
      const key = JSON.stringify(conversations.map(c => [c.id, c.visitor.name, c.assignee && c.assignee.name, c.status,
        this.unread(c), c.id === this.current]));
      if (ul.dataset.key === key) return;
      ul.dataset.key = key;
      ul.replaceChildren(...conversations.map(conv => {
        const li = el('li');
        li.tabIndex = 0;
        li.dataset.conversationId = conv.id;
        li.classList.toggle('active', conv.id === this.current);
        const who = el('div');
        who.appendChild(el('div', 'visitor', conv.visitor.name));
        const status = conv.status === 'open' ? '' : (STATUS_LABEL[conv.status] || conv.status) + ' · ';
        who.appendChild(el('div', 'meta', status + (conv.assignee ? 'with ' + conv.assignee.name : 'unassigned')));
        if (detail) who.appendChild(detail(conv));
        li.appendChild(who);
        const n = this.unread(conv);
        if (n > 0) li.appendChild(el('span', 'unread', String(n)));
        // A search result opens at its matching message.
        const go = () => this.open(conv.id, ul.id === 'results' && this.hits ? this.hits.get(conv.id) || undefined : undefined);
        li.addEventListener('click', go);
        li.addEventListener('keydown', e => { if (e.key === 'Enter') go(); });
        return li;
      }));
    }

    upsert(conv) {
      const known = this.conversations.get(conv.id);
      // Her own claim, reply or transfer changes it too: that is no news to her (for a few seconds either side
      // of the answer, as the live frame may come first).
      const mine = this.actedRecently(conv.id);
      if (!mine) {
        if (conv.status === 'waiting' && (!known || known.status !== 'waiting')) {
          this.alert('waiting', conv, conv.visitor.name + ' is waiting');
        } else if (conv.assignee && conv.assignee.id === this.me.id && known
            && (!known.assignee || known.assignee.id !== this.me.id)) {
          this.alert('assigned', conv, conv.visitor.name + ' was assigned to you');
        }
      }
      if ((known ? known.status : null) !== conv.status && (conv.status === 'waiting' || (known && known.status === 'waiting'))) {
        this.waitingChanged();
      }
      if (known && known.lastSeq > conv.lastSeq) conv = Object.assign({}, conv, { lastSeq: known.lastSeq });
      this.conversations.set(conv.id, conv);
      if (!this.myReads.has(conv.id)) this.myReads.set(conv.id, 0);
      if (conv.id === this.current) {
        this.renderHead();
        this.loadVisitor(conv.visitor.id); // the change may be the visitor's name or e-mail
        this.loadLabels(conv.id);          // … or its labels
      }
      this.renderLists();
    }

    activity(a) {
      const conv = this.conversations.get(a.conversationId);
      if (!conv) {
        this.refresh();
      } else if (a.lastSeq > conv.lastSeq) {
        conv.lastSeq = a.lastSeq;
        this.renderLists();
      }
      if (a.internal) {
        this.checkMention(a);
      } else if (a.authorKind !== 'agent' && a.authorKind !== 'system' && conv && conv.assignee
          && conv.assignee.id === this.me.id) {
        this.alert('message', conv, 'New message from ' + conv.visitor.name);
      }
    }

    actedRecently(id) {
      return Date.now() - (this.acted.get(id) || 0) < 10000;
    }

    /** Remembers her own change for 10 s; older entries go, so the map holds a few at most. */
    markActed(id) {
      const now = Date.now();
      for (const [key, at] of this.acted) if (now - at > 10000) this.acted.delete(key);
      this.acted.set(id, now);
    }

    soundKey() {
      return 'switchboard.console.sound.' + (this.me ? this.me.id : '');
    }

    /** Is this conversation in front of the agent right now (open, and the console visible and focused)? */
    watching(id) {
      return id === this.current && !document.hidden && document.hasFocus();
    }

    /**
     * So no chat goes unnoticed: a new waiting visitor, a message in my conversation, an @mention, an
     * assignment to me. The tab title counts them while the agent looks elsewhere; a sound plays (her
     * setting); a desktop notification shows if she allowed them. Nothing for the conversation she is
     * watching.
     */
    alert(kind, conv, text) {
      if (this.watching(conv.id)) return;
      if (document.hidden || !document.hasFocus()) {
        this.hiddenUnread++;
        document.title = '(' + this.hiddenUnread + ') ' + this.title;
      }
      if ($('sound').checked) this.beep();
      if (!('Notification' in window) || Notification.permission !== 'granted') return;
      try {
        const notification = new Notification(text, { body: kind === 'waiting' ? 'Waiting for an agent' : conv.visitor.name,
          tag: kind + '-' + conv.id, lang: 'en' });
        notification.onclick = () => {
          window.focus();
          this.open(conv.id);
          notification.close();
        };
      } catch (e) {
        // some browsers allow notifications only from a service worker; the title and sound still say it
      }
    }

    seen() {
      this.hiddenUnread = 0;
      document.title = this.title;
      this.markRead();
    }

    async askForAlerts() {
      try {
        await Notification.requestPermission();
      } finally {
        $('alerts').hidden = Notification.permission !== 'default';
      }
    }

    /** A private note somewhere: read it (only notes are read) and alert if it mentions me. */
    async checkMention(a) {
      if (this.watching(a.conversationId)) return;
      try {
        const [note] = await this.client.request('GET', '/api/conversations/' + a.conversationId + '/messages?after='
          + (a.lastSeq - 1) + '&limit=1');
        const mention = new RegExp('(^|[^\\w@.])@' + this.me.username.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '(?![\\w-])', 'i');
        if (note && note.internal && note.author.id !== this.me.id && mention.test(note.text)) {
          const conv = this.conversations.get(a.conversationId)
            || await this.client.request('GET', '/api/conversations/' + a.conversationId);
          this.alert('mention', conv, note.author.name + ' mentioned you');
        }
      } catch (e) {
        // not alerting is the safe failure
      }
    }

    beep() {
      try {
        const Audio = window.AudioContext || window.webkitAudioContext;
        this.audio = this.audio || new Audio();
        const osc = this.audio.createOscillator();
        const gain = this.audio.createGain();
        osc.frequency.value = 880;
        gain.gain.value = 0.05;
        osc.connect(gain).connect(this.audio.destination);
        osc.start();
        osc.stop(this.audio.currentTime + 0.15);
      } catch (e) {
        // no audio here; the title badge still shows
      }
    }

    async loadTeam() {
      try {
        const [agents, presence] = await Promise.all([
          this.client.request('GET', '/api/agents'), this.client.request('GET', '/api/agents/presence')]);
        this.agents = agents;
        presence.forEach(p => this.team.set(p.agentId, { name: p.name, status: p.status }));
        this.renderTeam();
      } catch (e) {
        // shown on the next refresh
      }
    }

    renderTeam() {
      $('team').replaceChildren(...[...this.team.entries()].map(([id, p]) => {
        const li = el('li', null, p.name + (id === this.me.id ? ' (you)' : '') + ' · ' + p.status);
        li.dataset.status = p.status;
        li.dataset.agentId = id;
        return li;
      }));
      const select = $('transfer');
      const chosen = select.value;
      select.replaceChildren(el('option', null, 'Assign to…'),
        ...(this.agents || []).map(a => {
          const o = el('option', null, a.name + (this.team.get(a.id) ? ' · ' + this.team.get(a.id).status : ''));
          o.value = String(a.id);
          return o;
        }));
      select.firstChild.value = '';
      select.value = chosen;
    }

    // ---- canned responses ---------------------------------------------------------------------------
    async loadCanned() {
      this.cannedLoadedAt = Date.now();
      try {
        this.canned = await this.client.request('GET', '/api/canned-responses');
      } catch (e) {
        this.canned = this.canned || [];
      }
      this.renderCannedList();
    }

    /**
     * The list stays current: a slash typed in the composer refetches it when it is older than a few seconds, or
     * at once when nothing loaded matches (one saved in another tab, or shared by an admin, since the page
     * loaded); at most one request at a time.
     */
    refreshCanned(force) {
      if (this.cannedLoading) return this.cannedLoading;
      if (!force && Date.now() - (this.cannedLoadedAt || 0) < CANNED_FRESH_MS) return null;
      this.cannedLoading = this.loadCanned().finally(() => { this.cannedLoading = null; });
      return this.cannedLoading;
    }

    /** "/" and the start of a shortcut as the whole reply: the matching canned responses to pick from. */
    suggest() {
      const m = /^\/([a-z0-9_-]{0,32})$/i.exec($('reply').value);
      const known = m && (this.canned || []).some(c => c.shortcut.startsWith(m[1].toLowerCase()));
      const refreshing = m && !this.suggestAgain ? this.refreshCanned(!known) : null;
      if (refreshing) {
        refreshing.then(() => {
          this.suggestAgain = true; // once, with the fresh list
          try { if (/^\//.test($('reply').value)) this.suggest(); } finally { this.suggestAgain = false; }
        });
      }
      const list = $('canned-suggestions');
      this.suggestions = m ? (this.canned || []).filter(c => c.shortcut.startsWith(m[1].toLowerCase())).slice(0, 8) : [];
      this.suggested = 0;
      list.hidden = this.suggestions.length === 0;
      this.renderSuggestions();
    }

    renderSuggestions() {
      $('canned-suggestions').replaceChildren(...(this.suggestions || []).map((c, i) => {
        const li = el('li');
        li.id = 'canned-option-' + i;
        li.setAttribute('role', 'option');
        li.setAttribute('aria-selected', String(i === this.suggested));
        li.dataset.shortcut = c.shortcut;
        li.appendChild(el('span', 'shortcut', '/' + c.shortcut));
        li.appendChild(el('span', null, c.text.length > 80 ? c.text.slice(0, 80) + '…' : c.text));
        li.addEventListener('mousedown', e => {
          e.preventDefault(); // keep the focus in the composer
          this.insertCanned(c);
        });
        return li;
      }));
      if (this.suggestions && this.suggestions.length) $('reply').setAttribute('aria-activedescendant', 'canned-option-' + this.suggested);
      else $('reply').removeAttribute('aria-activedescendant');
    }

    /** Arrow keys move through the suggestions, Enter or Tab inserts one, Escape closes them. True if handled. */
    suggesting(e) {
      if ($('canned-suggestions').hidden || !this.suggestions || !this.suggestions.length) return false;
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        this.suggested = (this.suggested + (e.key === 'ArrowDown' ? 1 : -1) + this.suggestions.length) % this.suggestions.length;
        this.renderSuggestions();
      } else if ((e.key === 'Enter' && !e.shiftKey) || e.key === 'Tab') {
        this.insertCanned(this.suggestions[this.suggested]);
      } else if (e.key === 'Escape') {
        $('canned-suggestions').hidden = true;
      } else {
        return false;
      }
      e.preventDefault();
      return true;
    }

    /** The canned text with its placeholders filled in for the open conversation, in the composer to edit. */
    insertCanned(c) {
      const conv = this.conversations.get(this.current);
      const visitor = this.visitorDetails && conv && this.visitorDetails.id === conv.visitor.id ? this.visitorDetails : null;
      const values = {
        'visitor.name': visitor ? visitor.name : (conv ? conv.visitor.name : ''),
        'visitor.email': visitor && visitor.email ? visitor.email : '',
        'agent.name': this.me.name
      };
      $('reply').value = c.text.replace(/\{\{\s*(visitor\.name|visitor\.email|agent\.name)\s*\}\}/g, (m, key) => values[key]);
      $('canned-suggestions').hidden = true;
      this.suggestions = [];
      $('reply').removeAttribute('aria-activedescendant');
      $('reply').focus();
    }

    openCanned() {
      $('canned-error').textContent = '';
      $('canned-shared-label').hidden = this.me.role !== 'admin';
      this.loadCanned();
      $('canned-dialog').showModal();
      $('canned-shortcut').focus();
    }

    renderCannedList() {
      $('canned-list').replaceChildren(...(this.canned || []).map(c => {
        const li = el('li');
        li.dataset.id = c.id;
        li.appendChild(el('span', 'shortcut', '/' + c.shortcut));
        li.appendChild(el('span', 'body', c.text));
        li.appendChild(el('span', 'meta', c.scope === 'shared' ? 'Team' : 'Mine'));
        if (c.scope === 'personal' || this.me.role === 'admin') {
          const remove = el('button', null, 'Delete');
          remove.type = 'button';
          remove.setAttribute('aria-label', 'Delete /' + c.shortcut);
          remove.addEventListener('click', () => this.deleteCanned(c.id));
          li.appendChild(remove);
        }
        return li;
      }));
    }

    async saveCanned() {
      $('canned-error').textContent = '';
      try {
        await this.client.request('POST', '/api/canned-responses', {
          shortcut: $('canned-shortcut').value, text: $('canned-text').value,
          scope: $('canned-shared').checked ? 'shared' : 'personal'
        });
        $('canned-shortcut').value = '';
        $('canned-text').value = '';
        await this.loadCanned();
      } catch (e) {
        $('canned-error').textContent = e.message;
      }
    }

    // ---- webhooks (admins) ----------------------------------------------------------------------------------
    async openWebhooks() {
      $('webhooks-error').textContent = '';
      $('webhooks-secret').hidden = true;
      if (!$('webhooks-events').querySelector('input')) {
        try {
          const types = await this.client.request('GET', '/api/webhooks/event-types');
          types.forEach(type => {
            const label = el('label');
            const box = el('input');
            box.type = 'checkbox';
            box.value = type;
            box.checked = type === 'message.created';
            label.append(box, document.createTextNode(type));
            $('webhooks-events').appendChild(label);
          });
        } catch (e) {
          $('webhooks-error').textContent = e.message;
        }
      }
      await this.loadWebhooks();
      $('webhooks-dialog').showModal();
      $('webhooks-url').focus();
    }

    async loadWebhooks() {
      let hooks = [];
      try {
        hooks = await this.client.request('GET', '/api/webhooks');
      } catch (e) {
        $('webhooks-error').textContent = e.message;
      }
      $('webhooks-list').replaceChildren(...hooks.map(h => {
        const li = el('li');
        li.dataset.id = h.id;
        li.appendChild(el('span', 'url', h.url));
        const d = h.delivery;
        const state = h.enabled
          ? 'Active · ' + d.pending + ' waiting' + (d.lastStatus ? ' · last answer ' + d.lastStatus : '')
            + (d.attempts ? ' · retrying (' + d.attempts + ' failed: ' + (d.lastError || '') + ')' : '')
          : 'Disabled: ' + (h.disabledReason || '') + ' · ' + d.pending + ' waiting';
        li.appendChild(el('span', 'state' + (h.enabled ? '' : ' disabled'), state));
        li.appendChild(el('span', 'meta', h.events.join(', ') + (d.deliveredThrough ? ' · delivered through ' + d.deliveredThrough : '')));
        const toggle = this.hookButton(h.enabled ? 'Disable' : 'Enable', h, () =>
          this.client.request('PATCH', '/api/webhooks/' + h.id, { enabled: !h.enabled }));
        const replay = this.hookButton('Replay…', h, () => {
          const after = window.prompt('Deliver again every event after this event id:', String(d.deliveredThrough || 0));
          return after === null ? null : this.client.request('POST', '/api/webhooks/' + h.id + '/replay?after=' + encodeURIComponent(after.trim()));
        });
        const rotate = this.hookButton('Rotate secret', h, async () => {
          const rotated = await this.client.request('POST', '/api/webhooks/' + h.id + '/rotate-secret');
          this.showSecret(rotated, 'New secret (the old one also signs for 24 hours)');
        });
        const remove = this.hookButton('Delete', h, () => window.confirm('Delete ' + h.url + ' and its queue?')
          ? this.client.request('DELETE', '/api/webhooks/' + h.id) : null);
        li.append(toggle, replay, rotate, remove);
        return li;
      }));
    }

    hookButton(text, hook, action) {
      const b = el('button', null, text);
      b.type = 'button';
      b.setAttribute('aria-label', text.replace('…', '') + ' ' + hook.url);
      b.addEventListener('click', async () => {
        $('webhooks-error').textContent = '';
        try {
          await action();
        } catch (e) {
          $('webhooks-error').textContent = e.message;
        }
        this.loadWebhooks();
      });
      return b;
    }

    showSecret(hook, what) {
      $('webhooks-secret').textContent = what + ' for ' + hook.url + ': ' + hook.secret;
      $('webhooks-secret').hidden = false;
    }

    async addWebhook() {
      $('webhooks-error').textContent = '';
      const events = [...$('webhooks-events').querySelectorAll('input:checked')].map(b => b.value);
      try {
        const created = await this.client.request('POST', '/api/webhooks', {
          url: $('webhooks-url').value.trim(), events, description: $('webhooks-description').value.trim() || null
        });
        this.showSecret(created, 'Signing secret');
        $('webhooks-url').value = '';
        $('webhooks-description').value = '';
        await this.loadWebhooks();
      } catch (e) {
        $('webhooks-error').textContent = e.message;
      }
    }

    async deleteCanned(id) {
      try {
        await this.client.request('DELETE', '/api/canned-responses/' + id);
      } catch (e) {
        $('canned-error').textContent = e.message;
      }
      this.loadCanned();
    }

    // ---- one conversation ---------------------------------------------------------------------------
    /** Opens a conversation; {@code focus}: a seq to show and mark (a search hit), with what came before it. */
    async open(id, focus) {
      $('app').dataset.view = 'conversation'; // phones show one column: this conversation
      if (location.hash !== '#/c/' + id) history.replaceState(null, '', '#/c/' + id);
      if (this.current === id) {
        this.markFound(focus);
        return;
      }
      if (this.current !== null) this.client.unfollow(this.current);
      this.current = id;
      this.holdView = false;
      this.visitorRead = 0;
      this.colleagues.clear();
      this.renderCollision();
      $('typing').hidden = true;
      $('action-error').textContent = '';
      $('transfer').value = ''; // a choice made for the last conversation never carries over
      this.setMode(false);
      $('messages').replaceChildren();
      this.renderLabels([]);
      // Nothing of the last visitor stays on screen while this one's details load.
      ['visitor-name', 'visitor-email'].forEach(f => { $(f).value = ''; });
      ['visitor-page', 'visitor-referrer', 'visitor-browser', 'visitor-language', 'visitor-time', 'visitor-first-seen']
        .forEach(f => { $(f).textContent = '—'; });
      $('visitor-conversations').replaceChildren();
      $('empty').hidden = true;
      $('conversation').hidden = false;
      try {
        const [conv, history, reads] = await Promise.all([
          this.client.request('GET', '/api/conversations/' + id),
          this.client.request('GET', '/api/conversations/' + id + '/messages?limit=50'
            + (focus ? '&before=' + (focus + 1) : '')),
          this.client.request('GET', '/api/conversations/' + id + '/reads')]);
        if (this.current !== id) return;
        this.conversations.set(id, conv);
        this.loadVisitor(conv.visitor.id);
        this.loadPrevious(conv.visitor.id);
        this.loadLabels(id);
        reads.forEach(r => this.receipt(Object.assign({ conversationId: id }, r)));
        history.forEach(m => this.show(m));
        // Live from the last shown: after a search hit, the rest of the conversation follows it.
        this.client.follow(id, history.length ? history[history.length - 1].seq : 0);
        this.markFound(focus);
        this.renderHead();
        this.renderLists();
        this.markRead();
        $('reply').focus();
      } catch (e) {
        $('action-error').textContent = e.message;
      }
    }

    async loadLabels(id) {
      try {
        const labels = await this.client.request('GET', '/api/conversations/' + id + '/labels');
        if (this.current === id) this.renderLabels(labels);
      } catch (e) {
        // shown on the next change
      }
    }

    renderLabels(labels) {
      this.labels = labels;
      $('labels').replaceChildren(...labels.map(label => {
        const li = el('li');
        li.appendChild(el('span', 'label-name', label));
        const remove = el('button', null, '×');
        remove.type = 'button';
        remove.setAttribute('aria-label', 'Remove label ' + label);
        remove.addEventListener('click', () => this.setLabels(this.labels.filter(l => l !== label)));
        li.appendChild(remove);
        return li;
      }));
    }

    async setLabels(labels) {
      const id = this.current;
      $('action-error').textContent = '';
      try {
        const saved = await this.client.request('PUT', '/api/conversations/' + id + '/labels', { labels });
        $('label-input').value = '';
        if (this.current === id) this.renderLabels(saved);
        this.loadLabelOptions();
      } catch (e) {
        $('action-error').textContent = e.message;
      }
    }

    /** Who the visitor is and where: the context panel, and the visitor's other conversations. */
    renderContext(v) {
      if (document.activeElement !== $('visitor-name')) $('visitor-name').value = v.name;
      if (document.activeElement !== $('visitor-email')) $('visitor-email').value = v.email || '';
      const page = $('visitor-page');
      if (v.page) {
        const a = el('a', null, v.page.title || v.page.url);
        a.href = v.page.url;
        a.target = '_blank';
        a.rel = 'noopener noreferrer';
        a.title = v.page.url;
        page.replaceChildren(a);
      } else {
        page.textContent = '—';
      }
      $('visitor-referrer').textContent = v.referrer || '—';
      $('visitor-browser').textContent = v.userAgent ? browserOf(v.userAgent) : '—';
      $('visitor-language').textContent = v.language || '—';
      let local = '—';
      if (v.timeZone) {
        try {
          local = new Date().toLocaleTimeString([], { timeZone: v.timeZone, hour: '2-digit', minute: '2-digit' }) + ' (' + v.timeZone + ')';
        } catch (e) {
          local = v.timeZone;
        }
      }
      $('visitor-time').textContent = local;
      $('visitor-first-seen').textContent = new Date(v.firstSeen).toLocaleString();
      $('visitor-user-id').textContent = v.verified ? v.verified.userId : '— (anonymous)';
    }

    async loadPrevious(visitorId) {
      try {
        const page = await this.client.request('GET', '/api/conversations?size=20&visitor=' + visitorId);
        const others = page.items.filter(c => c.id !== this.current);
        $('visitor-conversations').replaceChildren(...(others.length ? others.map(c => {
          const li = el('li');
          const a = el('a', null, '#' + c.id + ' · ' + (STATUS_LABEL[c.status] || c.status) + ' · '
            + new Date(c.createdAt).toLocaleDateString());
          a.href = '#/c/' + c.id;
          li.appendChild(a);
          return li;
        }) : [el('li', null, 'None')]));
      } catch (e) {
        // shown on the next change
      }
    }

    async saveVisitor() {
      const conv = this.conversations.get(this.current);
      if (!conv) return;
      $('visitor-error').textContent = '';
      try {
        const saved = await this.client.request('PATCH', '/api/visitors/' + conv.visitor.id,
          { name: $('visitor-name').value, email: $('visitor-email').value });
        this.visitorDetails = saved;
        this.renderHead();
      } catch (e) {
        $('visitor-error').textContent = e.message;
      }
    }

    /** Marks and shows the message with this seq (a search hit), if it is on screen. */
    markFound(seq) {
      const shown = seq ? $('messages').querySelector('[data-seq="' + seq + '"]') : null;
      if (!shown) return;
      $('messages').querySelectorAll('.found').forEach(li => li.classList.remove('found'));
      shown.classList.add('found');
      shown.scrollIntoView({ block: 'center' });
      this.holdView = true; // the rest of the conversation arrives after it: the hit stays where she can see it
    }

    /** The visitor's e-mail (and current name) for the open conversation's head. */
    async loadVisitor(visitorId) {
      try {
        const visitor = await this.client.request('GET', '/api/visitors/' + visitorId);
        const conv = this.conversations.get(this.current);
        if (!conv || conv.visitor.id !== visitorId) return;
        this.visitorDetails = visitor;
        this.renderHead();
        this.renderContext(visitor);
      } catch (e) {
        // the head shows the name without the e-mail
      }
    }

    renderHead() {
      const conv = this.conversations.get(this.current);
      if (!conv) return;
      $('conversation-title').textContent = conv.visitor.name;
      const details = this.visitorDetails && this.visitorDetails.id === conv.visitor.id ? this.visitorDetails : null;
      $('conversation-email').textContent = details ? (details.email || 'no e-mail given') : '';
      // The site vouched for who this is (a signed identity); the name and e-mail come from the site.
      $('conversation-verified').hidden = !(details && details.verified);
      $('conversation-verified').title = details && details.verified
        ? 'Signed in by the site as ' + details.verified.userId + ' (last confirmed ' + new Date(details.verified.at).toLocaleString() + ')' : '';
      $('conversation-status').textContent = STATUS_LABEL[conv.status] || conv.status;
      $('conversation-status').dataset.status = conv.status;
      $('conversation-assignee').textContent = conv.assignee ? 'Assigned to ' + conv.assignee.name : 'Unassigned';
      // The server's rule (Access.canWrite): a colleague's conversation is theirs; an admin may act on any.
      const holder = conv.assignee && conv.assignee.id !== this.me.id ? conv.assignee : null;
      const locked = !!holder && this.me.role !== 'admin';
      $('claim').disabled = locked || conv.status === 'resolved' || (conv.assignee && conv.assignee.id === this.me.id);
      $('resolve').disabled = locked || conv.status === 'resolved';
      $('reopen').disabled = locked || conv.status !== 'resolved';
      $('transfer').disabled = locked;
      $('assign').disabled = locked;
      // A colleague's conversation: no reply, but a private note to help is always possible.
      $('mode-reply').disabled = locked;
      if (locked && !this.noteMode) this.setMode(true);
      $('reply').disabled = false;
      $('send').disabled = false;
      $('locked').hidden = !locked;
      $('locked').textContent = locked
        ? holder.name + ' has this conversation: only they or an admin can reply, assign, resolve or reopen it. You can leave a private note.' : '';
    }

    show(m) {
      if (m.conversationId !== this.current) return;
      const shown = $('messages').querySelector('[data-seq="' + m.seq + '"]');
      if (shown) { // her own, placed when the ack came: now it has the stored time (and files) too
        this.stamp(shown, m.sentAt);
        if (m.attachments.length && !shown.querySelector('.files a')) this.files(shown, m.attachments);
        return;
      }
      const mine = m.author.kind === 'agent' && m.author.id === this.me.id;
      let li = mine ? this.pending.get(m.clientMsgId) : null;
      if (!li) {
        li = this.bubble(m.author.kind, m.author.name, m.text, !!m.internal);
        if (m.event) li.dataset.event = m.event;
      }
      this.pending.delete(m.clientMsgId);
      this.files(li, m.attachments);
      li.dataset.seq = m.seq;
      window.Switchboard.placeBySeq($('messages'), li);
      this.stamp(li, m.sentAt);
      this.paintState(li);
      if (!this.holdView) $('messages').scrollTop = $('messages').scrollHeight; // a search hit stays in view
    }

    stamp(li, sentAt) {
      const time = li.querySelector('.time');
      if (!time) return;
      li.title = new Date(sentAt).toLocaleString();
      time.dateTime = sentAt;
      time.textContent = new Date(sentAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    }

    /** One timeline entry: a visitor's or agent's message, an agents-only note, or a system line. */
    bubble(kind, name, text, internal) {
      const li = el('li', 'message ' + kind + (internal ? ' note' : ''));
      if (internal) li.appendChild(el('span', 'note-label', 'Private note · only agents see this'));
      if (kind !== 'system') li.appendChild(el('span', 'author', name));
      const body = el('span', kind === 'system' ? 'system-text' : 'text', text);
      body.dir = 'auto'; // Arabic or Hebrew right to left
      li.appendChild(body);
      li.appendChild(el('time', 'time'));
      if (kind === 'agent') li.appendChild(el('span', 'state'));
      return li;
    }

    /** Sent (stored) or Read by the visitor; a note has no visitor to read it. */
    paintState(li) {
      const state = li.querySelector('.state');
      if (!state || !li.dataset.seq) return;
      if (li.classList.contains('note')) {
        state.textContent = '';
        li.dataset.state = 'sent';
        return;
      }
      const read = Number(li.dataset.seq) <= this.visitorRead;
      state.textContent = read ? 'Read' : 'Sent';
      li.dataset.state = read ? 'read' : 'sent';
    }

    message(m) {
      this.show(m);
      const conv = this.conversations.get(m.conversationId);
      if (conv && m.seq > conv.lastSeq) conv.lastSeq = m.seq;
      if (m.author.kind === 'visitor') $('typing').hidden = true;
      this.markRead();
    }

    markRead() {
      if (this.current === null || document.hidden) return;
      const seq = this.client.cursor(this.current);
      if (seq > (this.myReads.get(this.current) || 0)) {
        this.myReads.set(this.current, seq);
        this.client.read(this.current, seq);
        this.renderLists();
      }
    }

    receipt(r) {
      if (r.conversationId !== this.current) return;
      if (r.readerKind === 'visitor' && r.seq > this.visitorRead) {
        this.visitorRead = r.seq;
        $('messages').querySelectorAll('li[data-seq]').forEach(li => this.paintState(li));
      }
    }

    /** Reply to the visitor, or write a private note only agents see (allowed on a colleague's conversation too). */
    setMode(note) {
      this.noteMode = note;
      $('mode-reply').setAttribute('aria-pressed', String(!note));
      $('mode-note').setAttribute('aria-pressed', String(note));
      $('composer').classList.toggle('note', note);
      $('reply').placeholder = note ? 'Private note… only agents see it' : 'Reply… (Enter sends, Shift+Enter for a new line)';
      $('reply').setAttribute('aria-label', note ? 'Private note' : 'Reply');
      if (note) this.stopTyping();
    }

    reply(asked) {
      const text = $('reply').value.replace(/^\s+|\s+$/g, '');
      if (!text || this.current === null) return;
      const command = /^\/([a-z0-9_-]{1,32})$/i.exec(text);
      if (command) { // a shortcut typed whole: its canned response, never the shortcut itself to the customer
        const exact = (this.canned || []).find(c => c.shortcut === command[1].toLowerCase());
        if (!exact && !asked) { // saved a moment ago elsewhere? ask the server before saying there is none
          this.refreshCanned(true).then(() => this.reply(true));
          return;
        }
        if (exact) {
          this.insertCanned(exact);
        } else {
          $('action-error').textContent = 'No canned response is called /' + command[1]
            + '. Nothing was sent; to send the text itself, add a word after it.';
        }
        return;
      }
      const note = !!this.noteMode;
      if (!note && $('send').disabled) return;
      if (!note) this.markActed(this.current); // a first reply assigns it to her: no alert for that
      $('reply').value = '';
      this.stopTyping();
      const id = this.client.send(this.current, text, undefined, { internal: note });
      const li = this.bubble('agent', this.me.name, text, note);
      li.querySelector('.state').textContent = 'Sending…';
      li.dataset.state = 'sending';
      li.dataset.clientMsgId = id;
      this.pending.set(id, li);
      $('messages').appendChild(li);
      this.holdView = false;
      $('messages').scrollTop = $('messages').scrollHeight;
    }

    /** Files (and what is written) as one reply or note; progress and a cancel in its bubble. */
    attach(files) {
      if (this.current === null) return;
      const note = !!this.noteMode;
      if (!note && $('send').disabled) return;
      const text = $('reply').value.replace(/^\s+|\s+$/g, '');
      $('reply').value = '';
      const id = this.client.sendFiles(this.current, files, text, { internal: note });
      const li = this.bubble('agent', this.me.name, text, note);
      const list = el('div', 'files');
      files.forEach(f => list.appendChild(el('span', 'file', f.name + ' · ' + size(f.size))));
      li.insertBefore(list, li.querySelector('.time'));
      li.querySelector('.state').textContent = 'Uploading…';
      li.dataset.state = 'sending';
      li.dataset.clientMsgId = id;
      const cancel = el('button', 'cancel-upload', 'Cancel');
      cancel.type = 'button';
      cancel.addEventListener('click', () => {
        if (this.client.cancel(id)) {
          li.remove();
          this.pending.delete(id);
        }
      });
      li.appendChild(cancel);
      this.pending.set(id, li);
      $('messages').appendChild(li);
      this.holdView = false;
      $('messages').scrollTop = $('messages').scrollHeight;
    }

    uploadProgress(p) {
      const li = this.pending.get(p.clientMsgId);
      if (li && li.dataset.state === 'sending') {
        li.querySelector('.state').textContent = 'Uploading… ' + Math.floor(100 * p.loaded / Math.max(1, p.total)) + '%';
      }
    }

    /** A message's files: images as thumbnails (bounded), other files as a download chip with name and size. */
    files(li, attachments) {
      li.querySelectorAll('.files, .cancel-upload').forEach(n => n.remove());
      if (!attachments || attachments.length === 0) return;
      const list = window.Switchboard.attachmentList(this.client, attachments,
        { list: 'files', image: 'thumb', file: 'file', width: 240, height: 200 });
      const text = li.querySelector('.text');
      if (text && !text.textContent) text.remove();
      li.insertBefore(list, li.querySelector('.time'));
    }

    sent(s) {
      const li = this.pending.get(s.clientMsgId);
      if (li && !li.dataset.seq) {
        li.dataset.seq = s.seq;
        window.Switchboard.placeBySeq($('messages'), li);
        this.paintState(li);
      }
    }

    sendFailed(f) {
      const li = this.pending.get(f.clientMsgId);
      if (li) {
        li.querySelector('.state').textContent = 'Not sent: ' + f.error.message;
        li.dataset.state = 'failed';
      }
    }

    typing() {
      if (this.current === null) return;
      const now = Date.now();
      if (!this.typingSince || now - this.typingSince > 3000) {
        this.typingSince = now;
        this.typingIn = this.current;
        this.client.typing(this.current, true);
      }
      clearTimeout(this.typingStop);
      this.typingStop = setTimeout(() => this.stopTyping(), 2500);
    }

    stopTyping() {
      clearTimeout(this.typingStop);
      if (this.typingSince) this.client.typing(this.typingIn, false);
      this.typingSince = 0;
    }

    typingFrame(f) {
      if (f.conversationId !== this.current) return;
      if (f.author.kind === 'agent') {
        if (f.author.id === this.me.id) return;
        this.colleague(f.author, { typing: f.state === 'start' });
        return;
      }
      clearTimeout(this.typingTimer);
      $('typing').hidden = f.state !== 'start';
      // The visitor's current name (a rename republishes the conversation), not the one its connection began with.
      const conv = this.conversations.get(this.current);
      const name = f.author.kind === 'visitor' && conv ? conv.visitor.name : f.author.name;
      $('typing').textContent = name + ' is typing…';
      if (f.state === 'start') this.typingTimer = setTimeout(() => { $('typing').hidden = true; }, 6000);
    }

    viewingFrame(f) {
      if (f.conversationId !== this.current || f.agent.id === this.me.id) return;
      this.colleague(f.agent, { viewing: f.state === 'start', typing: false });
    }

    colleague(agent, change) {
      const c = Object.assign(this.colleagues.get(agent.id) || { name: agent.name, viewing: true, typing: false }, change);
      if (!c.viewing && !c.typing) {
        this.colleagues.delete(agent.id);
      } else {
        this.colleagues.set(agent.id, c);
      }
      this.renderCollision();
    }

    renderCollision() {
      const lines = [...this.colleagues.values()].map(c => c.name + (c.typing ? ' is typing' : ' is viewing'));
      $('collision').hidden = lines.length === 0;
      $('collision').textContent = lines.join(' · ');
    }

    /** The service e-mails the visitor this conversation (to the address they gave). */
    async emailTranscript() {
      const id = this.current;
      $('action-error').textContent = '';
      try {
        const queued = await this.client.request('POST', '/api/conversations/' + id + '/transcript');
        $('action-error').textContent = queued && queued.awaitingConfirmation
          ? 'The visitor\'s address is not confirmed yet: a link to confirm it went there, and the transcript follows once it is used.'
          : 'A transcript is on its way to the visitor.';
      } catch (e) {
        $('action-error').textContent = e.message;
      }
    }

    /** After an action, a keyboard user's focus stays in the toolbar: on {@code to} when {@code from} is disabled now. */
    keepFocus(from, to) {
      const active = document.activeElement;
      if ($(from).disabled && (active === $(from) || active === document.body || active === null) && !$(to).disabled) {
        $(to).focus();
      }
    }

    async act(action, body) {
      const id = this.current;
      $('action-error').textContent = '';
      try {
        this.markActed(id);
        const conv = await this.client.request('POST', '/api/conversations/' + id + '/' + action, body || {});
        this.markActed(id);
        this.upsert(conv);
      } catch (e) {
        $('action-error').textContent = e.code === 'already_claimed' ? 'A colleague claimed this conversation first.' : e.message;
        try {
          this.upsert(await this.client.request('GET', '/api/conversations/' + id));
        } catch (x) {
          // keep what we show
        }
      }
    }
  }

  new Console().boot();
})();

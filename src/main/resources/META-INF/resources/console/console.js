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

  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
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
      $('sound').checked = localStorage.getItem('switchboard.console.sound') === 'on';
      $('sound').addEventListener('change', e => localStorage.setItem('switchboard.console.sound', e.target.checked ? 'on' : 'off'));
      $('composer').addEventListener('submit', e => {
        e.preventDefault();
        this.reply();
      });
      $('reply').addEventListener('keydown', e => {
        if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
          e.preventDefault();
          this.reply();
        }
      });
      $('reply').addEventListener('input', () => this.typing());
      $('claim').addEventListener('click', () => this.act('claim'));
      $('assign').addEventListener('click', () => this.act('assign', { agentId: Number($('transfer').value) || null }));
      $('resolve').addEventListener('click', () => this.act('status', { status: 'resolved' }));
      $('reopen').addEventListener('click', () => this.act('status', { status: 'open' }));
      document.addEventListener('visibilitychange', () => {
        if (!document.hidden) {
          this.hiddenUnread = 0;
          document.title = this.title;
          this.markRead();
        }
      });

      const c = this.client;
      c.on('status', s => this.connection(s));
      c.on('conversation', conv => this.upsert(conv));
      c.on('activity', a => this.activity(a));
      c.on('message', m => this.message(m));
      c.on('sent', s => this.sent(s));
      c.on('sendfailed', f => this.sendFailed(f));
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
      this.client.start();
      this.refresh();
      this.loadTeam();
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
        // Those no longer waiting on the server leave the list (their live event may have been missed).
        [...this.conversations.values()].filter(c => c.status === 'waiting' && c.id !== this.current
            && !waitingItems.some(w => w.id === c.id))
          .forEach(c => this.conversations.delete(c.id));
        waitingItems.concat(mine.items).forEach(conv => this.conversations.set(conv.id, conv));
        await Promise.all(waitingItems.concat(mine.items).filter(conv => !this.myReads.has(conv.id)).map(conv => this.loadRead(conv.id)));
        this.renderLists();
      } catch (e) {
        // the next refresh or live event catches up
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

    renderList(ul, conversations) {
      // Rebuild only on a visible change, so refreshes do not steal hover or keyboard focus.
      const key = JSON.stringify(conversations.map(c => [c.id, c.visitor.name, c.assignee && c.assignee.name,
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
        who.appendChild(el('div', 'meta', conv.assignee ? 'with ' + conv.assignee.name : 'unassigned'));
        li.appendChild(who);
        const n = this.unread(conv);
        if (n > 0) li.appendChild(el('span', 'unread', String(n)));
        li.addEventListener('click', () => this.open(conv.id));
        li.addEventListener('keydown', e => { if (e.key === 'Enter') this.open(conv.id); });
        return li;
      }));
    }

    upsert(conv) {
      const known = this.conversations.get(conv.id);
      if ((known ? known.status : null) !== conv.status && (conv.status === 'waiting' || (known && known.status === 'waiting'))) {
        this.waitingChanged();
      }
      if (known && known.lastSeq > conv.lastSeq) conv = Object.assign({}, conv, { lastSeq: known.lastSeq });
      this.conversations.set(conv.id, conv);
      if (!this.myReads.has(conv.id)) this.myReads.set(conv.id, 0);
      if (conv.id === this.current) {
        this.renderHead();
        this.loadVisitor(conv.visitor.id); // the change may be the visitor's name or e-mail
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
      if (document.hidden) this.notify();
    }

    notify() {
      this.hiddenUnread++;
      document.title = '(' + this.hiddenUnread + ') ' + this.title;
      if ($('sound').checked) this.beep();
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

    // ---- one conversation ---------------------------------------------------------------------------
    async open(id) {
      $('app').dataset.view = 'conversation'; // phones show one column: this conversation
      if (location.hash !== '#/c/' + id) history.replaceState(null, '', '#/c/' + id);
      if (this.current === id) return;
      if (this.current !== null) this.client.unfollow(this.current);
      this.current = id;
      this.visitorRead = 0;
      this.colleagues.clear();
      this.renderCollision();
      $('typing').hidden = true;
      $('action-error').textContent = '';
      $('transfer').value = ''; // a choice made for the last conversation never carries over
      $('messages').replaceChildren();
      $('empty').hidden = true;
      $('conversation').hidden = false;
      try {
        const [conv, history, reads] = await Promise.all([
          this.client.request('GET', '/api/conversations/' + id),
          this.client.request('GET', '/api/conversations/' + id + '/messages?limit=50'),
          this.client.request('GET', '/api/conversations/' + id + '/reads')]);
        if (this.current !== id) return;
        this.conversations.set(id, conv);
        this.loadVisitor(conv.visitor.id);
        reads.forEach(r => this.receipt(Object.assign({ conversationId: id }, r)));
        history.forEach(m => this.show(m));
        this.client.follow(id, history.length ? history[history.length - 1].seq : 0);
        this.renderHead();
        this.renderLists();
        this.markRead();
        $('reply').focus();
      } catch (e) {
        $('action-error').textContent = e.message;
      }
    }

    /** The visitor's e-mail (and current name) for the open conversation's head. */
    async loadVisitor(visitorId) {
      try {
        const visitor = await this.client.request('GET', '/api/visitors/' + visitorId);
        const conv = this.conversations.get(this.current);
        if (!conv || conv.visitor.id !== visitorId) return;
        this.visitorDetails = visitor;
        this.renderHead();
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
      $('reply').disabled = locked;
      $('send').disabled = locked;
      $('locked').hidden = !locked;
      $('locked').textContent = locked
        ? holder.name + ' has this conversation: only they or an admin can reply, assign, resolve or reopen it.' : '';
    }

    show(m) {
      if (m.conversationId !== this.current) return;
      if ($('messages').querySelector('[data-seq="' + m.seq + '"]')) return;
      const mine = m.author.kind === 'agent' && m.author.id === this.me.id;
      let li = mine ? this.pending.get(m.clientMsgId) : null;
      if (!li) {
        li = el('li', 'message ' + m.author.kind);
        li.appendChild(el('span', 'author', m.author.name));
        li.appendChild(el('span', 'text', m.text));
        if (m.author.kind === 'agent') li.appendChild(el('span', 'state'));
      }
      this.pending.delete(m.clientMsgId);
      li.dataset.seq = m.seq;
      window.Switchboard.placeBySeq($('messages'), li);
      li.title = new Date(m.sentAt).toLocaleString();
      this.paintState(li);
      $('messages').scrollTop = $('messages').scrollHeight;
    }

    paintState(li) {
      const state = li.querySelector('.state');
      if (!state || !li.dataset.seq) return;
      const read = Number(li.dataset.seq) <= this.visitorRead;
      state.textContent = read ? 'Read' : 'Delivered';
      li.dataset.state = read ? 'read' : 'delivered';
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

    reply() {
      const text = $('reply').value.replace(/^\s+|\s+$/g, '');
      if (!text || this.current === null) return;
      $('reply').value = '';
      this.stopTyping();
      const id = this.client.send(this.current, text);
      const li = el('li', 'message agent');
      li.appendChild(el('span', 'author', this.me.name));
      li.appendChild(el('span', 'text', text));
      li.appendChild(el('span', 'state', 'Sending…'));
      li.dataset.state = 'sending';
      li.dataset.clientMsgId = id;
      this.pending.set(id, li);
      $('messages').appendChild(li);
      $('messages').scrollTop = $('messages').scrollHeight;
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

    async act(action, body) {
      const id = this.current;
      $('action-error').textContent = '';
      try {
        const conv = await this.client.request('POST', '/api/conversations/' + id + '/' + action, body || {});
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

/*
 * switchboard.js: the Switchboard client library (protocol 3, docs/protocol.md). Plain JavaScript, no build.
 *
 *   const client = new Switchboard.Client({ role: 'visitor', token, transport: 'auto' });
 *   client.on('message', m => …); client.follow(conversationId, lastSeqShown); client.start();
 *   client.send(conversationId, 'Hello');   // queued while offline, retried with the same clientMsgId
 *
 * Transports, tried in this order until one works: websocket → sse (+ REST send) → longpoll → iframe →
 * poll. Once one has worked the client sticks to it and reconnects with jittered exponential backoff;
 * it falls further down the list only when that transport keeps failing while the service answers plain
 * HTTP (a proxy that kills upgrades or buffers streams). Every transport resumes from the last seq shown,
 * so nothing is lost and nothing is shown twice. Message text is data: render it with textContent.
 */
(function (global) {
  'use strict';

  const ORDER = ['websocket', 'sse', 'longpoll', 'iframe', 'poll'];
  const OPEN_TIMEOUT_MS = 10000;
  // A WebSocket that has carried nothing for IDLE_PING_MS is pinged; without an answer within PONG_DEADLINE_MS
  // (any frame counts) the link is dead — a network that vanished without a FIN, a laptop lid, a NAT that
  // forgot us — and the client reconnects: noticed within ~10 s, instead of the TCP timeout's minutes.
  const IDLE_PING_MS = 5000;
  const PONG_DEADLINE_MS = 4000;
  const LIVENESS_CHECK_MS = 1000;
  // An agent on long-poll or poll says it is here this often; the service counts it for 30 s.
  const HERE_EVERY_MS = 10000;

  /** Error codes that mean "not now" rather than "never", with the HTTP status they stand for. */
  const RETRY_LATER = { rate_limited: 429, overloaded: 503, store_unavailable: 503, draining: 503, instance_full: 503 };

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message || code);
      this.status = status;
      this.code = code;
    }
    /** Worth retrying later: the network, the service or a rate limit; not the message itself. */
    get transient() {
      return this.status === 0 || this.status >= 500 || this.status === 429 || this.code === 'rate_limited';
    }
  }

  function newClientMsgId() {
    if (global.crypto && global.crypto.randomUUID) {
      return 'c-' + global.crypto.randomUUID();
    }
    return 'c-' + Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 12);
  }

  function supported(name) {
    switch (name) {
      case 'websocket': return typeof global.WebSocket === 'function';
      case 'sse': return typeof global.EventSource === 'function';
      case 'iframe': return typeof global.document !== 'undefined';
      default: return typeof global.fetch === 'function';
    }
  }

  /** The transport forced by the page's URL (?transport=longpoll), if any. */
  function transportFromUrl() {
    try {
      const forced = new URLSearchParams(global.location.search).get('transport');
      return forced && ORDER.includes(forced) ? forced : null;
    } catch (e) {
      return null;
    }
  }

  let callbackCounter = 0;

  class Client {
    constructor(options) {
      const o = options || {};
      this.base = (o.base || global.location.origin).replace(/\/+$/, '');
      this.role = o.role === 'agent' ? 'agent' : 'visitor';
      this.token = o.token || null;
      // The service's largest upload (GET /api/presence says it): a bigger file is refused here, before a byte
      // goes, as the service refuses it on its declared length.
      this.maxUploadBytes = o.maxUploadBytes || 0;
      const forced = o.transport && o.transport !== 'auto' ? o.transport : transportFromUrl();
      if (forced && !ORDER.includes(forced)) {
        throw new Error('unknown transport: ' + forced);
      }
      // A forced transport is tried first, not alone: where it cannot work (an iframe stream on a page of
      // another origin, a proxy that kills upgrades) the client still falls back to one that does.
      this.transports = forced ? [forced].concat(ORDER.filter(t => t !== forced && supported(t))) : ORDER.filter(supported);
      this.backoff = { min: o.backoffMin || 500, max: o.backoffMax || 15000 };
      this.listeners = {};
      this.follows = new Map(); // conversationId → { cursor }
      this.storage = o.storageKey || null; // keeps unsent messages across reloads (localStorage)
      this.outbox = this.restore(); // { conversationId, clientMsgId, text, inflight }
      this.index = 0;
      this.sticky = false;       // a transport has worked: stay on it
      this.failures = 0;         // consecutive failures to open
      this.link = null;
      this.state = 'idle';
      this.timer = null;
      this.stopped = true;
      // The browser knows some things before the socket does: offline means the link is gone; back online
      // or back in view (timers were throttled), check now.
      if (typeof global.addEventListener === 'function') {
        global.addEventListener('offline', () => this.linkLost());
        global.addEventListener('online', () => this.retryNow());
        // Leaving the page: the link closes at once, so the server ends its session now and the browser's
        // connections to this host are free for the next page (held long-polls and streams of a page being
        // left could take all six). A page the back/forward cache brings back connects again, from its cursors.
        global.addEventListener('pagehide', () => {
          if (this.stopped) return;
          this.stop();
          this.leftPage = true;
        });
        global.addEventListener('pageshow', event => {
          if (event.persisted && this.leftPage) {
            this.leftPage = false;
            this.start();
          }
        });
      }
      if (global.document && typeof global.document.addEventListener === 'function') {
        global.document.addEventListener('visibilitychange', () => {
          if (global.document.visibilityState === 'visible') {
            if (this.link && this.link.checkNow) this.link.checkNow(); else this.retryNow();
          }
        });
      }
    }

    /** The link cannot work (the browser went offline, or it stopped answering): drop it and reconnect. */
    linkLost() {
      if (this.link && this.link.abandon) this.link.abandon();
    }

    // ---- events -------------------------------------------------------------------------------------
    /**
     * A (re)subscribe's snapshot: the conversation as it stands and every read cursor. Handed on as the same
     * events live changes produce, so the widget and console need no second code path.
     */
    applyState(f) {
      this.emit('conversation', f.conversation);
      (f.reads || []).forEach(r => this.emit('read', {
        type: 'read', conversationId: f.conversationId, readerKind: r.readerKind, readerId: r.readerId, seq: r.seq
      }));
    }

    on(type, fn) {
      (this.listeners[type] = this.listeners[type] || []).push(fn);
      return this;
    }

    emit(type, payload) {
      (this.listeners[type] || []).forEach(fn => {
        try {
          fn(payload);
        } catch (e) {
          if (global.console) global.console.error(e);
        }
      });
    }

    get transport() {
      return this.link ? this.link.name : this.transports[this.index];
    }

    /** Do conversation and presence changes arrive live (WebSocket, or an agent's SSE/iframe feed)? */
    get liveFeed() {
      return !!this.link && this.link.open && (this.link.name === 'websocket' || this.link.hasFeed());
    }

    // ---- REST ---------------------------------------------------------------------------------------
    headers(json) {
      const h = { 'X-Switchboard-As': this.role, Accept: 'application/json' };
      if (json) h['Content-Type'] = 'application/json';
      if (this.token) h.Authorization = 'Bearer ' + this.token;
      return h;
    }

    /** A JSON request to the service; rejects with an ApiError (status 0 for a network failure). */
    async request(method, path, body, signal) {
      let response;
      try {
        response = await global.fetch(this.base + path, {
          method,
          headers: this.headers(body !== undefined),
          body: body === undefined ? undefined : JSON.stringify(body),
          credentials: this.token ? 'omit' : 'include',
          cache: 'no-store',
          signal
        });
      } catch (e) {
        if (e && e.name === 'AbortError') throw e;
        throw new ApiError(0, 'network', 'the service cannot be reached');
      }
      if (response.status === 204) return null;
      let payload = null;
      try {
        payload = await response.json();
      } catch (e) {
        payload = null;
      }
      if (!response.ok) {
        const code = payload && payload.error ? payload.error : 'http_' + response.status;
        throw new ApiError(response.status, code, payload && payload.message);
      }
      return payload;
    }

    /** A URL for transports that cannot set headers (EventSource, iframe, WebSocket). */
    streamUrl(path, params) {
      const query = new URLSearchParams(params || {});
      query.set('as', this.role);
      if (this.token) query.set('access_token', this.token);
      return this.base + path + '?' + query.toString();
    }

    // ---- following conversations --------------------------------------------------------------------
    /** Receive conversation {@code id}'s messages after {@code after} (the last seq already shown). */
    follow(conversationId, after) {
      const id = Number(conversationId);
      const existing = this.follows.get(id);
      if (existing) {
        existing.cursor = Math.max(existing.cursor, after || 0);
        return;
      }
      this.follows.set(id, { cursor: after || 0 });
      if (this.link && this.link.open) this.link.subscribe(id, after || 0);
    }

    unfollow(conversationId) {
      const id = Number(conversationId);
      if (this.follows.delete(id) && this.link && this.link.open) this.link.unsubscribe(id);
    }

    cursor(conversationId) {
      const f = this.follows.get(Number(conversationId));
      return f ? f.cursor : 0;
    }

    /**
     * Every transport ends here: in-order delivery, exactly once, gaps filled from the store. An agent sees
     * every seq; a visitor never gets agents' private notes, so for a visitor a message follows the cursor
     * when the public message before it ({@code prevPublic}) is the last one shown.
     */
    deliver(message) {
      const follow = this.follows.get(message.conversationId);
      if (!follow || message.seq <= follow.cursor) return;
      const next = this.role === 'agent' ? message.seq === follow.cursor + 1
        : (message.prevPublic === undefined ? message.seq === follow.cursor + 1 : message.prevPublic <= follow.cursor);
      if (!next) {
        this.catchUp(message.conversationId);
        return;
      }
      follow.cursor = message.seq;
      this.settle(message.clientMsgId, message.conversationId, message.seq);
      this.emit('message', message);
    }

    async catchUp(conversationId) {
      const follow = this.follows.get(conversationId);
      if (!follow || follow.catchingUp) return;
      follow.catchingUp = true;
      try {
        const batch = await this.request('GET',
          '/api/conversations/' + conversationId + '/messages?limit=200&after=' + follow.cursor);
        follow.catchingUp = false;
        batch.forEach(m => this.deliver(m));
      } catch (e) {
        follow.catchingUp = false;
      }
    }

    // ---- sending ------------------------------------------------------------------------------------
    /**
     * Queues a message and returns its clientMsgId at once. It is sent when a transport is up and retried
     * (same clientMsgId, so never stored twice) until the service acknowledges it: 'sent' then fires.
     * A message the service refuses for good fires 'sendfailed' with the error. {@code clientMsgId}: one the
     * caller chose before (a message written before its conversation existed), else a new one.
     * {@code options.internal}: an agent's private note, never shown to the visitor.
     */
    send(conversationId, text, clientMsgId, options) {
      const item = { conversationId: Number(conversationId), clientMsgId: clientMsgId || newClientMsgId(), text,
        internal: !!(options && options.internal), inflight: false,
        attachments: (options && options.attachments) || [] };
      this.outbox.push(item);
      this.persist();
      this.flush();
      return item.clientMsgId;
    }

    restore() {
      if (!this.storage) return [];
      try {
        return (JSON.parse(global.localStorage.getItem(this.storage)) || [])
          .map(i => ({ conversationId: i.conversationId, clientMsgId: i.clientMsgId, text: i.text, internal: !!i.internal,
            attachments: i.attachments || [], inflight: false }));
      } catch (e) {
        return [];
      }
    }

    persist() {
      if (!this.storage) return;
      try {
        if (this.outbox.length === 0) {
          global.localStorage.removeItem(this.storage);
        } else {
          global.localStorage.setItem(this.storage, JSON.stringify(this.pending()));
        }
      } catch (e) {
        // storage full or disabled: the queue still lives in memory
      }
    }

    /** What survives a reload: messages ready to send (files still uploading live only in this page). */
    pending() {
      return this.outbox.filter(i => !i.files).map(i => ({ conversationId: i.conversationId, clientMsgId: i.clientMsgId,
        text: i.text, internal: i.internal, attachments: i.attachments }));
    }

    // ---- attachments ---------------------------------------------------------------------------------
    /**
     * Sends files (File or Blob objects, with an optional text) as one message: each is uploaded first
     * (XMLHttpRequest, for progress: 'uploadprogress' events {clientMsgId, loaded, total}), then the message
     * goes like any other. An upload cut by the network is retried from the outbox with backoff, under the
     * same Idempotency-Key, so the service keeps one copy; one refused for good (too large, a type not
     * allowed) fires 'sendfailed'. Returns the clientMsgId; cancel(clientMsgId) stops it.
     */
    sendFiles(conversationId, files, text, options) {
      const clientMsgId = newClientMsgId();
      const item = { conversationId: Number(conversationId), clientMsgId, text: text || '', inflight: false,
        internal: !!(options && options.internal), attachments: [],
        files: Array.from(files).map((file, i) => ({ file, key: clientMsgId + '.' + i, id: null })) };
      this.outbox.push(item);
      this.uploadNext(item);
      return clientMsgId;
    }

    async uploadNext(item) {
      if (item.uploading || item.cancelled) return;
      const next = item.files.find(f => !f.id);
      if (!next) {
        item.attachments = item.files.map(f => f.id);
        delete item.files;
        this.persist();
        this.flush();
        return;
      }
      item.uploading = true;
      const total = item.files.reduce((sum, f) => sum + f.file.size, 0);
      const before = item.files.filter(f => f.id).reduce((sum, f) => sum + f.file.size, 0);
      try {
        const uploaded = await this.upload(item.conversationId, next.file, {
          key: next.key,
          onprogress: loaded => this.emit('uploadprogress', { clientMsgId: item.clientMsgId, loaded: before + loaded, total }),
          started: xhr => { item.xhr = xhr; }
        });
        next.id = uploaded.id;
        item.uploadAttempt = 0;
        item.uploading = false;
        this.uploadNext(item);
      } catch (error) {
        item.uploading = false;
        if (item.cancelled) return;
        if (error.transient) {
          item.uploadAttempt = Math.min((item.uploadAttempt || 0) + 1, 5);
          const wait = Math.min(15000, 1000 * Math.pow(2, item.uploadAttempt - 1)) * (0.5 + Math.random() / 2);
          this.emit('uploadretry', { clientMsgId: item.clientMsgId, error, wait });
          item.retryTimer = setTimeout(() => this.uploadNext(item), wait);
          return;
        }
        this.outbox.splice(this.outbox.indexOf(item), 1);
        this.emit('sendfailed', { clientMsgId: item.clientMsgId, conversationId: item.conversationId, text: item.text, error });
      }
    }

    /** Stops a message whose files are still uploading; what was uploaded is deleted. False once it is sending. */
    cancel(clientMsgId) {
      const at = this.outbox.findIndex(i => i.clientMsgId === clientMsgId && i.files);
      if (at < 0) return false;
      const item = this.outbox[at];
      item.cancelled = true;
      clearTimeout(item.retryTimer);
      if (item.xhr) item.xhr.abort();
      this.outbox.splice(at, 1);
      item.files.filter(f => f.id).forEach(f => this.request('DELETE', '/api/attachments/' + f.id).catch(() => {}));
      return true;
    }

    /** Uploads one file; resolves with the attachment, rejects with an ApiError (status 0: the network). */
    upload(conversationId, file, options) {
      const o = options || {};
      if (this.maxUploadBytes && file.size > this.maxUploadBytes) {
        return Promise.reject(new ApiError(413, 'attachment_too_large', 'a file is at most ' + this.maxUploadBytes + ' bytes'));
      }
      return new Promise((resolve, reject) => {
        const xhr = new global.XMLHttpRequest();
        const name = encodeURIComponent(file.name || 'pasted.png');
        xhr.open('POST', this.base + '/api/conversations/' + conversationId + '/attachments?name=' + name);
        const headers = this.headers(false);
        Object.keys(headers).forEach(h => xhr.setRequestHeader(h, headers[h]));
        if (o.key) xhr.setRequestHeader('Idempotency-Key', o.key);
        xhr.withCredentials = !this.token;
        if (o.onprogress) xhr.upload.onprogress = e => o.onprogress(e.loaded);
        xhr.onload = () => {
          let payload = null;
          try {
            payload = JSON.parse(xhr.responseText);
          } catch (e) {
            payload = null;
          }
          if (xhr.status === 200 || xhr.status === 201) {
            resolve(payload);
          } else {
            reject(new ApiError(xhr.status, payload && payload.error ? payload.error : 'http_' + xhr.status,
              payload && payload.message));
          }
        };
        xhr.onerror = () => reject(new ApiError(0, 'network', 'the service cannot be reached'));
        xhr.onabort = () => reject(new ApiError(0, 'aborted', 'the upload was cancelled'));
        if (o.started) o.started(xhr);
        xhr.send(file);
      });
    }

    /**
     * Where to load an attachment from. With a cookie (same origin) its own url; with a token (a widget on
     * another site, which cannot put a header on an img), a short-lived signed link, kept while it is valid.
     */
    async attachmentUrl(attachment) {
      if (!this.token) return this.base + attachment.url;
      this.links = this.links || new Map();
      const known = this.links.get(attachment.id);
      if (known && known.expires > Date.now() + 30000) return known.url;
      const link = await this.request('GET', attachment.url + '/link');
      if (this.links.size > 500) this.links.clear(); // bounded: links are cheap to ask for again
      this.links.set(attachment.id, { url: this.base + link.url, expires: Date.parse(link.expiresAt) });
      return this.base + link.url;
    }

    /**
     * Sends what waits. Over HTTP links a send is a REST request of its own, so it goes at once, without
     * waiting for the receiving stream to be up (which may take until its open timeout, or never).
     */
    flush() {
      if (this.link && (this.link.open || this.link.restSends)) this.link.flush(this.outbox);
    }

    /** The service has stored it (ack, REST answer or the message itself came back). */
    settle(clientMsgId, conversationId, seq, duplicate) {
      const at = this.outbox.findIndex(i => i.clientMsgId === clientMsgId);
      if (at < 0) return;
      this.sendAttempt = 0;
      this.outbox.splice(at, 1);
      this.persist();
      this.emit('sent', { clientMsgId, conversationId, seq, duplicate: !!duplicate });
    }

    refuse(clientMsgId, error) {
      const at = this.outbox.findIndex(i => i.clientMsgId === clientMsgId);
      if (at < 0) return;
      const item = this.outbox[at];
      if (error.transient) {
        item.inflight = false;
        clearTimeout(this.retryTimer);
        // Exponential (up to 15 s) and jittered, so that many clients told "overloaded", or cut off by the
        // same outage, do not come back at once.
        this.sendAttempt = Math.min((this.sendAttempt || 0) + 1, 5);
        const base = (error.code === 'rate_limited' ? 2000 : 1000) * Math.pow(2, this.sendAttempt - 1);
        this.retryTimer = setTimeout(() => this.flush(), Math.min(15000, base) * (0.5 + Math.random() / 2));
        return;
      }
      this.outbox.splice(at, 1);
      this.persist();
      this.emit('sendfailed', { clientMsgId, conversationId: item.conversationId, text: item.text, error });
    }

    typing(conversationId, state) {
      if (this.link && this.link.open) this.link.typing(Number(conversationId), state ? 'start' : 'stop');
    }

    read(conversationId, seq) {
      if (this.link && this.link.open) this.link.read(Number(conversationId), seq);
    }

    /** Agents: 'online' or 'away'. Kept across reconnects. */
    presence(state) {
      this.availability = state;
      if (this.link && this.link.open) this.link.presence(state);
    }

    // ---- connection lifecycle -----------------------------------------------------------------------
    start() {
      if (!this.stopped) return this;
      this.stopped = false;
      this.connect();
      return this;
    }

    stop() {
      this.stopped = true;
      clearTimeout(this.timer);
      if (this.link) this.link.close();
      this.link = null;
      this.setState('idle');
    }

    setState(state, extra) {
      this.state = state;
      this.emit('status', Object.assign({ state, transport: this.transport }, extra || {}));
    }

    connect() {
      if (this.stopped) return;
      const name = this.transports[this.index];
      const Link = LINKS[name];
      this.setState(this.sticky ? 'reconnecting' : 'connecting');
      this.link = new Link(this);
      this.link.start();
      this.flush(); // over HTTP links, what waits goes now, not once the stream is up
    }

    /** Called by a link once it really works (handshake done, first answer received). */
    opened(link) {
      if (link !== this.link) return;
      this.sticky = true;
      this.failures = 0;
      this.setState('online');
      if (this.availability) link.presence(this.availability);
      link.flush(this.outbox);
    }

    /** Called by a link when it is finished: {@code code} is a close code when one is known. */
    closed(link, wasOpen, code) {
      if (link !== this.link || this.stopped) return;
      this.link = null;
      this.outbox.forEach(i => { i.inflight = false; });
      if (code === 4401) {
        this.stopped = true;
        this.setState('unauthorized');
        this.emit('unauthorized', { code });
        return;
      }
      if (!this.sticky) {
        // Still looking for a transport that works here.
        this.index = (this.index + 1) % this.transports.length;
        if (this.index !== 0) {
          this.connect();
          return;
        }
      } else if (!wasOpen) {
        this.failures++;
        if (this.failures >= 3 && this.transports.length > 1 && this.index < this.transports.length - 1) {
          // The service answers HTTP but this transport keeps failing: move down the list.
          this.probe().then(up => {
            if (up && !this.link && this.failures >= 3) {
              this.index++;
              this.failures = 0;
            }
          });
        }
      }
      this.attempt = wasOpen ? 0 : (this.attempt || 0) + 1;
      const slow = code === 1008 || code === 4429 || code === 1013 ? 4 : 1;
      const ceiling = Math.min(this.backoff.max, this.backoff.min * Math.pow(2, this.attempt)) * slow;
      const delay = Math.round(ceiling / 2 + Math.random() * ceiling / 2); // jitter: never in lockstep
      this.setState('reconnecting', { retryIn: delay });
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.connect(), delay);
    }

    async probe() {
      try {
        await this.request('GET', '/api/presence');
        return true;
      } catch (e) {
        return false;
      }
    }

    /** Reconnect now (e.g. the browser says it is online again). */
    retryNow() {
      if (this.link || this.stopped) return;
      clearTimeout(this.timer);
      this.connect();
    }
  }

  // ---- WebSocket: one socket, every followed conversation ---------------------------------------------
  class WebSocketLink {
    constructor(client) {
      this.client = client;
      this.name = 'websocket';
      this.open = false;
      this.done = false;
    }

    start() {
      const c = this.client;
      const url = c.base.replace(/^http/, 'ws') + '/ws/' + c.role + (c.token ? '?access_token=' + encodeURIComponent(c.token) : '');
      try {
        this.socket = new global.WebSocket(url);
      } catch (e) {
        setTimeout(() => this.finish(undefined), 0);
        return;
      }
      this.openTimer = setTimeout(() => this.socket.close(), OPEN_TIMEOUT_MS);
      this.socket.onmessage = event => this.frame(event.data);
      this.socket.onclose = event => this.finish(event.code);
      this.socket.onerror = () => {};
    }

    frame(data) {
      this.lastFrame = Date.now(); // anything the server sends proves the link works
      this.pingSent = 0;
      let f;
      try {
        f = JSON.parse(data);
      } catch (e) {
        return;
      }
      const c = this.client;
      switch (f.type) {
        case 'hello':
          clearTimeout(this.openTimer);
          this.open = true;
          c.me = { role: f.role, id: f.id, name: f.name };
          c.follows.forEach((follow, id) => this.subscribe(id, follow.cursor));
          this.lastFrame = Date.now();
          this.pingSent = 0;
          this.ping = setInterval(() => this.check(false), LIVENESS_CHECK_MS);
          c.emit('hello', c.me);
          c.opened(this);
          break;
        case 'message': c.deliver(f.message); break;
        case 'ack': c.settle(f.clientMsgId, f.conversationId, f.seq, f.duplicate); break;
        case 'error':
          if (f.ref && f.ref.startsWith('c-')) {
            c.refuse(f.ref, new ApiError(RETRY_LATER[f.code] || 400, f.code, f.message));
          } else {
            c.emit('error', f);
          }
          break;
        case 'conversation': c.emit('conversation', f.conversation); break;
        case 'state': c.applyState(f); break;
        case 'activity': case 'typing': case 'read': case 'presence': case 'viewing':
          c.emit(f.type, f);
          break;
        default: break;
      }
    }

    /** Pings a quiet link (or any link, when {@code now}); a ping unanswered past the deadline means it is dead. */
    check(now) {
      if (!this.open || this.done) return;
      const t = Date.now();
      if (this.pingSent) {
        if (t - this.pingSent > PONG_DEADLINE_MS) this.abandon();
        return;
      }
      if (now || t - this.lastFrame > IDLE_PING_MS) {
        this.pingSent = t;
        this.write({ type: 'ping' });
      }
    }

    checkNow() { this.check(true); }

    /** Gives up on this socket at once (its close handshake may never complete) and lets the client reconnect. */
    abandon() {
      const socket = this.socket;
      this.finish(undefined);
      if (socket) {
        socket.onmessage = null;
        socket.onclose = null;
        try { socket.close(); } catch (e) { /* already closed */ }
      }
    }

    write(frame) {
      if (this.socket && this.socket.readyState === 1) {
        this.socket.send(JSON.stringify(frame));
        return true;
      }
      return false;
    }

    subscribe(id, after) { this.write({ type: 'resume', conversationId: id, after }); }
    unsubscribe(id) { this.write({ type: 'unsubscribe', conversationId: id }); }
    typing(id, state) { this.write({ type: 'typing', conversationId: id, state }); }
    read(id, seq) { this.write({ type: 'read', conversationId: id, seq }); }
    presence(state) { this.write({ type: 'presence', state }); }

    /** Frames from one socket are handled in order, so the whole outbox can go at once. */
    flush(outbox) {
      outbox.filter(i => !i.inflight && !i.files).forEach(i => {
        const frame = { type: 'send', ref: i.clientMsgId, conversationId: i.conversationId, clientMsgId: i.clientMsgId, text: i.text };
        if (i.internal) frame.internal = true;
        if (i.attachments && i.attachments.length) frame.attachments = i.attachments;
        if (this.write(frame)) {
          i.inflight = true;
        }
      });
    }

    close() {
      this.done = true;
      if (this.socket) this.socket.close(1000);
      this.cleanup();
    }

    cleanup() {
      clearTimeout(this.openTimer);
      clearInterval(this.ping);
    }

    finish(code) {
      this.cleanup();
      if (this.done) return;
      this.done = true;
      const wasOpen = this.open;
      this.open = false;
      this.client.closed(this, wasOpen, code);
    }
  }

  // ---- The HTTP transports: a receiver per followed conversation, sends over REST ----------------------
  class HttpLink {
    constructor(client, name) {
      this.client = client;
      this.name = name;
      this.open = false;
      this.done = false;
      this.restSends = true; // sends are REST requests: they need no receiver
      this.receivers = new Map();
      this.sending = false;
    }

    async start() {
      const c = this.client;
      try {
        const me = await c.request('GET', c.role === 'agent' ? '/api/agents/me' : '/api/visitors/me');
        c.me = { role: c.role, id: me.id, name: me.name };
      } catch (e) {
        this.finish(false, e.status === 401 ? 4401 : undefined);
        return;
      }
      if (this.done) return;
      c.emit('hello', c.me);
      if (c.role === 'agent' && !this.hasFeed()) {
        // Long-poll and poll hold no connection between requests: say "here" (and online/away) every 10 s.
        this.here();
        this.hereTimer = setInterval(() => this.here(), HERE_EVERY_MS);
      }
      if (this.hasFeed()) {
        // Agents on a streaming transport follow the feed too (lists, unread counts, presence).
        const feed = new RECEIVERS[this.name](this, FEED);
        this.receivers.set(FEED, feed);
        feed.start(0);
      }
      if (c.follows.size === 0 && !this.hasFeed()) {
        this.ready();
      } else {
        c.follows.forEach((follow, id) => this.subscribe(id, follow.cursor));
      }
      if (this.name === 'longpoll') {
        this.signals = new SignalsReceiver(this);
        this.signals.start();
      }
    }

    /** Does this link carry the agents' feed (conversation, activity, presence frames)? */
    hasFeed() {
      return this.client.role === 'agent' && (this.name === 'sse' || this.name === 'iframe');
    }

    /** The link works once every receiver has had its first answer. */
    ready() {
      if (this.open || this.done) return;
      for (const r of this.receivers.values()) {
        if (!r.opened) return;
      }
      this.open = true;
      this.client.opened(this);
    }

    subscribe(id, after) {
      if (this.receivers.has(id)) this.receivers.get(id).stop();
      const receiver = new RECEIVERS[this.name](this, id);
      this.receivers.set(id, receiver);
      receiver.start(after);
      if (this.signals) this.signals.renew();
    }

    unsubscribe(id) {
      const r = this.receivers.get(id);
      if (r) r.stop();
      this.receivers.delete(id);
      if (this.signals) this.signals.renew();
    }

    /** A receiver failed: the whole link is done and the client reconnects every conversation. */
    failed(receiver, code) {
      if (this.receivers.get(receiver.id) !== receiver) return;
      this.finish(this.open, code);
    }

    typing(id, state) {
      this.client.request('POST', '/api/conversations/' + id + '/typing', { state }).catch(() => {});
    }

    read(id, seq) {
      this.client.request('POST', '/api/conversations/' + id + '/read', { seq }).catch(() => {});
    }

    /** Agents: online or away, over REST (the stream, if any, carries the presence itself). */
    presence(state) {
      this.client.request('POST', '/api/presence/me', { state }).catch(() => {});
    }

    here() {
      const state = this.client.availability;
      this.client.request('POST', '/api/presence/me', state ? { state } : {}).catch(() => {});
    }

    /** One REST send at a time, in order; stops at the first failure and leaves the rest queued. */
    async flush(outbox) {
      if (this.sending) return;
      this.sending = true;
      try {
        while (!this.done) {
          const item = outbox.find(i => !i.inflight && !i.files);
          if (!item) break;
          item.inflight = true;
          try {
            const body = { clientMsgId: item.clientMsgId, text: item.text };
            if (item.internal) body.internal = true;
            if (item.attachments && item.attachments.length) body.attachments = item.attachments;
            const result = await this.client.request('POST', '/api/conversations/' + item.conversationId + '/messages', body);
            this.client.settle(item.clientMsgId, item.conversationId, result.message.seq, result.duplicate);
          } catch (e) {
            this.client.refuse(item.clientMsgId, e);
            if (e.transient) break;
          }
        }
      } finally {
        this.sending = false;
      }
    }

    close() {
      this.done = true;
      clearInterval(this.hereTimer);
      this.receivers.forEach(r => r.stop());
      this.receivers.clear();
      if (this.signals) this.signals.stop();
    }

    finish(wasOpen, code) {
      if (this.done) return;
      this.close();
      this.open = false;
      this.client.closed(this, wasOpen, code);
    }
  }

  /** Shared by the HTTP receivers: read-receipt and status refresh for transports that carry only messages. */
  class Receiver {
    constructor(link, id) {
      this.link = link;
      this.client = link.client;
      this.id = id;
      this.opened = false;
      this.stopped = false;
    }

    markOpen() {
      if (this.opened) return;
      this.opened = true;
      this.link.ready();
    }

    fail(code) {
      if (this.stopped) return;
      this.stop();
      this.link.failed(this, code);
    }

    stop() {
      this.stopped = true;
    }

    /** For long-poll and poll: receipts and status changes are fetched, not pushed. */
    refreshMeta() {
      const c = this.client;
      const base = '/api/conversations/' + this.id;
      c.request('GET', base + '/reads').then(list => list.forEach(r => c.emit('read', Object.assign({ type: 'read' }, r))), () => {});
      c.request('GET', base).then(conv => c.emit('conversation', conv), () => {});
    }

    /** The stream's path: one conversation, or the agents' feed. */
    path(kind) {
      return this.id === FEED ? '/api/feed/' + kind : '/api/conversations/' + this.id + '/' + kind;
    }

    /** An iframe or SSE frame: the same frames as on the WebSocket. */
    dispatch(f) {
      const c = this.client;
      switch (f.type) {
        case 'open': this.markOpen(); break;
        case 'message': c.deliver(f.message); break;
        case 'conversation': c.emit('conversation', f.conversation); break;
        case 'state': c.applyState(f); break;
        case 'typing': case 'read': case 'viewing': case 'activity': case 'presence': c.emit(f.type, f); break;
        default: break;
      }
    }
  }

  class SseReceiver extends Receiver {
    start(after) {
      const c = this.client;
      const source = new global.EventSource(c.streamUrl(this.path('events'), this.id === FEED ? {} : { after }),
        { withCredentials: !c.token && c.base !== global.location.origin });
      this.source = source;
      this.openTimer = setTimeout(() => this.fail(), OPEN_TIMEOUT_MS);
      source.onopen = () => {
        clearTimeout(this.openTimer);
        this.markOpen();
      };
      source.onerror = () => this.fail(); // our own backoff and cursor, not EventSource's retry
      // Every event's data is the frame itself, named by its type (protocol 2).
      ['message', 'state', 'conversation', 'typing', 'read', 'viewing', 'activity', 'presence'].forEach(type =>
        source.addEventListener(type, e => this.dispatch(JSON.parse(e.data))));
      source.addEventListener('close', e => {
        let code;
        try {
          code = JSON.parse(e.data).code;
        } catch (x) {
          code = undefined;
        }
        this.fail(code);
      });
    }

    stop() {
      super.stop();
      clearTimeout(this.openTimer);
      if (this.source) this.source.close();
    }
  }

  class LongPollReceiver extends Receiver {
    start() {
      this.loop();
    }

    async loop() {
      const c = this.client;
      let rounds = 0;
      while (!this.stopped) {
        this.abort = new AbortController();
        const watchdog = setTimeout(() => this.abort.abort(), 35000);
        try {
          // The first round does not wait: it proves the path works and catches up at once.
          const batch = await c.request('GET', '/api/conversations/' + this.id + '/messages?limit=200'
            + (rounds > 0 ? '&wait=25s' : '') + '&after=' + c.cursor(this.id), undefined, this.abort.signal);
          clearTimeout(watchdog);
          this.markOpen();
          batch.forEach(m => c.deliver(m));
          if (rounds++ % 4 === 0 || batch.length > 0) this.refreshMeta();
        } catch (e) {
          clearTimeout(watchdog);
          this.fail(e.status === 401 ? 4401 : undefined);
          return;
        }
      }
    }

    stop() {
      super.stop();
      if (this.abort) this.abort.abort();
    }
  }

  /**
   * Long-poll's second request (GET /api/signals): typing, read cursors, colleagues viewing and, for agents,
   * the feed (conversation, activity, presence: lists, alerts, sounds) — what is never stored, so no cursor
   * can fetch it. Held beside the message long-polls, asked again at once after each answer and whenever the
   * followed conversations change. Its failures never end the link (the messages decide that); it backs off.
   */
  class SignalsReceiver {
    constructor(link) {
      this.link = link;
      this.client = link.client;
      this.stopped = false;
      this.renewing = false;
    }

    start() {
      this.loop();
    }

    async loop() {
      const c = this.client;
      let failures = 0;
      while (!this.stopped) {
        this.abort = new AbortController();
        const watchdog = setTimeout(() => this.abort.abort(), 35000);
        const ids = [...this.link.receivers.keys()].filter(id => id !== FEED);
        try {
          const frames = await c.request('GET', '/api/signals?wait=25s' + (ids.length ? '&conversations=' + ids.join(',') : ''),
            undefined, this.abort.signal);
          clearTimeout(watchdog);
          failures = 0;
          this.renewing = false; // the next request names the conversations as they are now
          frames.forEach(f => this.dispatch(f));
        } catch (e) {
          clearTimeout(watchdog);
          if (this.stopped) return;
          if (this.renewing) {
            this.renewing = false;
            continue;
          }
          failures++;
          await new Promise(resolve => { this.timer = setTimeout(resolve, Math.min(30000, 500 * Math.pow(2, Math.min(failures, 6)))); });
        }
      }
    }

    dispatch(f) {
      const c = this.client;
      switch (f.type) {
        case 'conversation': c.emit('conversation', f.conversation); break;
        case 'typing': case 'read': case 'viewing': case 'activity': case 'presence': c.emit(f.type, f); break;
        default: break;
      }
    }

    /** The followed conversations changed: the request in flight ends and the next one names them. */
    renew() {
      if (!this.abort) return;
      this.renewing = true;
      this.abort.abort();
    }

    stop() {
      this.stopped = true;
      clearTimeout(this.timer);
      if (this.abort) this.abort.abort();
    }
  }

  class PollReceiver extends Receiver {
    start() {
      this.tick(0);
    }

    async tick(round) {
      if (this.stopped) return;
      const c = this.client;
      try {
        const batch = await c.request('GET', '/api/conversations/' + this.id + '/messages?limit=200&after=' + c.cursor(this.id));
        this.markOpen();
        batch.forEach(m => c.deliver(m));
        if (round % 3 === 0 || batch.length > 0) this.refreshMeta();
      } catch (e) {
        this.fail(e.status === 401 ? 4401 : undefined);
        return;
      }
      this.timer = setTimeout(() => this.tick(round + 1), 1000);
    }

    stop() {
      super.stop();
      clearTimeout(this.timer);
    }
  }

  /** The forever frame: a hidden iframe whose document calls parent.<callback>(frame) per frame. */
  class IframeReceiver extends Receiver {
    start(after) {
      this.callback = '__switchboardFrame' + (++callbackCounter);
      global[this.callback] = f => {
        this.lastFrame = Date.now();
        if (f.type === 'reconnect') {
          this.reopen = true;
        } else if (f.type === 'close') {
          this.fail(f.code);
        } else {
          this.dispatch(f);
        }
      };
      this.lastFrame = Date.now();
      this.openTimer = setTimeout(() => { if (!this.opened) this.fail(); }, OPEN_TIMEOUT_MS);
      this.watchdog = setInterval(() => { if (Date.now() - this.lastFrame > 45000) this.fail(); }, 5000);
      this.frame(after);
    }

    frame(after) {
      const frame = global.document.createElement('iframe');
      frame.hidden = true;
      frame.setAttribute('aria-hidden', 'true');
      frame.title = 'switchboard stream';
      frame.src = this.client.streamUrl(this.path('iframe-stream'),
        this.id === FEED ? { callback: this.callback } : { after, callback: this.callback });
      frame.addEventListener('load', () => {
        // The document ended: planned (reconnect frame, so reopen at the cursor) or a failure.
        if (this.stopped || frame !== this.element) return;
        if (this.reopen) {
          this.reopen = false;
          frame.remove();
          this.frame(this.id === FEED ? 0 : this.client.cursor(this.id));
        } else {
          this.fail();
        }
      });
      this.element = frame;
      global.document.body.appendChild(frame);
    }

    stop() {
      super.stop();
      clearTimeout(this.openTimer);
      clearInterval(this.watchdog);
      if (this.element) this.element.remove();
      this.element = null;
      const name = this.callback;
      // Late frames from a closing document must not throw.
      global[name] = () => {};
    }
  }

  /** The receivers' key for the agents' feed stream (conversation ids are numbers). */
  const FEED = 'feed';
  const RECEIVERS = { sse: SseReceiver, longpoll: LongPollReceiver, iframe: IframeReceiver, poll: PollReceiver };
  const LINKS = {
    websocket: WebSocketLink,
    sse: class extends HttpLink { constructor(c) { super(c, 'sse'); } },
    longpoll: class extends HttpLink { constructor(c) { super(c, 'longpoll'); } },
    iframe: class extends HttpLink { constructor(c) { super(c, 'iframe'); } },
    poll: class extends HttpLink { constructor(c) { super(c, 'poll'); } }
  };

  /**
   * Puts a message's element where the store's order says, so that every screen shows the same order
   * whatever arrived first: confirmed messages (data-seq) by seq, pending ones (no seq yet) after the last
   * confirmed one, in the order they were written (data-state "sending"); other elements (notices, and a
   * message that failed for good: it happened then, and a later reply must not hide above it) keep their
   * place. Call it for a new element and whenever one learns its seq.
   */
  function placeBySeq(list, li) {
    const seq = li.dataset.seq ? Number(li.dataset.seq) : null;
    let before = null;
    for (const other of list.children) {
      if (other === li) continue;
      if (other.dataset.seq) {
        if (seq !== null && Number(other.dataset.seq) > seq) { before = other; break; }
      } else if (seq !== null && other.dataset.state === 'sending') {
        before = other; // the first pending one: confirmed messages go above it
        break;
      } // anything else (a notice, a message that failed for good) keeps its place: what comes later goes below
    }
    if (seq === null) before = null; // pending: at the end
    if (before) {
      if (li.nextSibling !== before) list.insertBefore(li, before);
    } else if (list.lastChild !== li) {
      list.appendChild(li);
    }
  }

  /** 1.2 MB, 48 KB, 512 B. */
  function fileSize(bytes) {
    return bytes < 1024 ? bytes + ' B' : bytes < 1048576 ? Math.round(bytes / 1024) + ' KB' : (bytes / 1048576).toFixed(1) + ' MB';
  }

  /**
   * A message's files as elements: images as bounded thumbnails (their size from the record, so the layout
   * does not jump), other files as a download link with name and size. {@code names}: the class names
   * ({list, image, file}) and the largest thumbnail ({width, height}) of the page that shows them.
   */
  function attachmentList(client, attachments, names) {
    const list = global.document.createElement('div');
    list.className = names.list;
    attachments.forEach(a => {
      const link = global.document.createElement('a');
      link.className = a.width ? names.image : names.file;
      link.target = '_blank';
      link.rel = 'noopener';
      if (a.width) {
        const img = global.document.createElement('img');
        img.alt = a.name;
        img.loading = 'lazy';
        const scale = Math.min(1, names.width / a.width, names.height / a.height);
        img.width = Math.round(a.width * scale);
        img.height = Math.round(a.height * scale);
        link.appendChild(img);
        client.attachmentUrl(a).then(url => { img.src = url; link.href = url; }).catch(() => {});
      } else {
        link.textContent = a.name + ' · ' + fileSize(a.size);
        link.download = a.name;
        client.attachmentUrl(a).then(url => { link.href = url; }).catch(() => {});
      }
      list.appendChild(link);
    });
    return list;
  }

  global.Switchboard = { Client, ApiError, TRANSPORTS: ORDER.slice(), newClientMsgId, placeBySeq, fileSize, attachmentList };
})(window);

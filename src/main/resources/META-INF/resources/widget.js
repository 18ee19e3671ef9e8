/*
 * The Switchboard visitor widget. Embed it with one tag:
 *
 *   <script src="https://chat.example.com/widget.js" async
 *           data-title="Acme support" data-lang="zh-CN" data-transport="auto"></script>
 *
 * A site whose user is logged in adds data-identity="<JWT>": a short-lived identity its backend signed (HS256,
 * sub = its user id, optional name and email, exp). The visitor is then the same person on every device, an
 * anonymous history on this browser is merged into it, and when the site's user logs out (no identity on a
 * page after one was given) the widget forgets that visitor, so the next person at this browser starts afresh.
 *
 * It loads switchboard.js and widget.css from the same host, draws a launcher and a chat panel inside a
 * shadow root (the page's styles cannot break it, its styles cannot leak), keeps the visitor's anonymous
 * token in localStorage so history survives reloads, and never renders message text as HTML.
 */
(function () {
  'use strict';
  const script = document.currentScript;
  if (!script || window.__switchboardWidget) return;
  window.__switchboardWidget = true;
  const base = new URL(script.src, location.href).origin;
  const options = script.dataset;

  const STRINGS = {
    en: {
      launcher: 'Chat with us', title: 'Support', close: 'Close', connecting: 'Connecting…',
      reconnecting: 'Reconnecting… your messages will be sent when we are back.', online: 'We usually reply in a few minutes.',
      chattingWith: 'You are chatting with {name}.', queue: 'You are number {n} in the queue.',
      typing: '{name} is typing…', placeholder: 'Write a message…',
      send: 'Send', sending: 'Sending…', sent: 'Sent', read: 'Read', failed: 'Not sent: {reason}', you: 'You',
      offlineTitle: 'We are away right now', offlineText: 'Leave a message and we will answer here as soon as we are back.',
      name: 'Your name (optional)', email: 'Email (optional)', message: 'Your message', leave: 'Leave a message',
      thanks: 'Thanks! Your message is saved. An agent will answer here.', away: 'No agent is online; we will answer later.',
      unread: '{n} new messages', messages: 'Messages',
      resolvedStatus: 'This conversation is resolved. Write to reopen it.',
      // system messages in the timeline, by event (with the agent's name, or without one)
      joined: '{name} joined the conversation.', left: '{name} left the conversation.',
      resolvedBy: '{name} resolved the conversation.', resolvedAnon: 'The conversation was resolved.',
      reopenedBy: '{name} reopened the conversation.', reopenedAnon: 'The conversation was reopened.',
      requeued: 'You are back in the queue; the next available agent will answer.',
      messageEmpty: 'Please write your message.', emailInvalid: 'Please enter an e-mail address like name@example.com.',
      nameInvalid: 'Please use at most 80 ordinary characters for your name.',
      messageTooLong: 'Your message is too long: at most 4,000 characters.',
      tooMany: 'Too many attempts from here. Please wait a minute and try again.',
      saveFailed: 'Your message could not be saved. Please try again.',
      attach: 'Attach a file', uploading: 'Uploading… {p}%', cancel: 'Cancel upload',
      retrying: 'Upload interrupted; trying again…',
      emailMe: 'Email me this chat', emailSent: 'A copy of this chat is on its way to {email}.',
      emailConfirm: 'We sent a link to {email}: open it to confirm the address, and the copy follows.',
      emailAsk: 'Your e-mail address for a copy of this chat', emailFailed: 'The copy could not be sent: {reason}',
      emailSend: 'Send me a copy', cancelAsk: 'Cancel',
      fileTooLarge: 'This file is too large: at most {max}.', fileTypeRefused: 'Files of this kind cannot be sent here.',
      fileEmpty: 'This file is empty.', fileFailed: 'The file could not be sent.', tooManyFiles: 'Too many files at once.'
    },
    'zh-CN': {
      launcher: '在线咨询', title: '客服', close: '关闭', connecting: '正在连接…',
      reconnecting: '正在重新连接…恢复后会自动发送您的消息。', online: '我们通常几分钟内回复。',
      chattingWith: '正在为您服务的是 {name}。', queue: '您在队列中排第 {n} 位。',
      typing: '{name} 正在输入…', placeholder: '输入消息…',
      send: '发送', sending: '发送中…', sent: '已发送', read: '已读', failed: '发送失败：{reason}', you: '您',
      offlineTitle: '我们暂时不在线', offlineText: '请留言，我们回来后会在这里回复您。',
      name: '您的姓名（可选）', email: '电子邮箱（可选）', message: '您的留言', leave: '提交留言',
      thanks: '谢谢！您的留言已保存，客服会在这里回复您。', away: '目前没有客服在线，我们稍后回复。',
      unread: '{n} 条新消息', messages: '消息',
      resolvedStatus: '此对话已解决。发送消息即可重新打开。',
      joined: '{name} 已加入对话。', left: '{name} 已离开对话。',
      resolvedBy: '{name} 已将对话标记为已解决。', resolvedAnon: '对话已解决。',
      reopenedBy: '{name} 重新打开了对话。', reopenedAnon: '对话已重新打开。',
      requeued: '您已重新进入队列，下一位有空的客服会回复您。',
      messageEmpty: '请填写留言内容。', emailInvalid: '请输入有效的电子邮箱，例如 name@example.com。',
      nameInvalid: '姓名最多 80 个普通字符。', messageTooLong: '留言过长：最多 4000 个字符。',
      tooMany: '尝试次数过多，请稍等一分钟再试。', saveFailed: '留言未能保存，请重试。',
      attach: '添加附件', uploading: '上传中… {p}%', cancel: '取消上传', retrying: '上传中断，正在重试…',
      emailMe: '通过邮件发送对话记录', emailSent: '对话记录正在发送至 {email}。',
      emailConfirm: '我们已向 {email} 发送确认链接：打开链接确认邮箱后，对话记录随即发送。',
      emailAsk: '接收对话记录的电子邮箱', emailFailed: '对话记录未能发送：{reason}',
      emailSend: '发送副本', cancelAsk: '取消',
      fileTooLarge: '文件过大：最大 {max}。', fileTypeRefused: '无法发送此类文件。', fileEmpty: '文件是空的。',
      fileFailed: '文件未能发送。', tooManyFiles: '一次发送的文件过多。'
    }
  };
  const SIMPLIFIED_CHINESE = /^zh(?:$|[-_](?:cn|sg|hans)\b)/i;
  const requested = options.lang || new URLSearchParams(location.search).get('lang') || navigator.language || 'en';
  // Simplified Chinese for zh, zh-CN, zh-SG and zh-Hans; Traditional (zh-TW, zh-HK, zh-MO, zh-Hant) has no strings
  // of its own yet, and a Traditional reader is better served by English than by the other script.
  const lang = SIMPLIFIED_CHINESE.test(requested) ? 'zh-CN' : 'en';
  function t(key, vars) {
    return (STRINGS[lang][key] || STRINGS.en[key]).replace(/\{(\w+)\}/g, (m, k) => (vars && k in vars ? vars[k] : m));
  }

  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  /** A centred line in the timeline: a system message, or the widget's own (the offline form's thanks). */
  function noticeOf(text) {
    const li = el('li', 'sbw-notice');
    li.appendChild(el('span', 'sbw-notice-text', text));
    return li;
  }

  /** A message's text, laid out in its own direction (right to left for Arabic or Hebrew). */
  function textOf(text) {
    const span = el('span', 'sbw-text', text);
    span.dir = 'auto';
    return span;
  }

  const CLIP = '<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false"><path fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" d="M21 11.5l-8.5 8.5a5 5 0 0 1-7-7L14 4.5a3.3 3.3 0 0 1 4.7 4.7l-8.6 8.6a1.7 1.7 0 0 1-2.4-2.4L15.5 7.6"/></svg>';

  function size(bytes) {
    return window.Switchboard.fileSize(bytes);
  }

  function loadLibrary(then) {
    if (window.Switchboard) {
      then();
      return;
    }
    const s = document.createElement('script');
    s.src = base + '/switchboard.js';
    s.onload = then;
    document.head.appendChild(s);
  }

  const TOKEN_KEY = 'switchboard.visitor.' + base;
  // Messages written before the visitor and its conversation exist (the first message, offline, rate
  // limited…): kept across reloads and sent, in order and with their clientMsgId, once the conversation does.
  const EARLY_KEY = TOKEN_KEY + '.early';
  // Set while the stored token belongs to a signed-in (identified) visitor.
  const IDENTIFIED_KEY = TOKEN_KEY + '.identified';

  class Widget {
    constructor() {
      this.token = localStorage.getItem(TOKEN_KEY);
      this.conversation = null;
      this.client = null;
      this.agentRead = 0;
      this.unread = 0;
      this.elements = new Map(); // clientMsgId or seq → element
      this.agentsOnline = null;
      this.build();
      this.unread = Number(sessionStorage.getItem(TOKEN_KEY + '.unread') || 0);
      if (this.unread > 0) this.paintBadge();
      // A reload keeps the panel as the visitor left it.
      if (sessionStorage.getItem(TOKEN_KEY + '.open') === '1') this.toggle(true);
    }

    build() {
      // A landmark of its own (complementary), so assistive technology lists the chat apart from the page.
      const host = el('aside');
      host.id = 'switchboard-widget';
      host.setAttribute('lang', lang);
      host.setAttribute('aria-label', options.title || t('title'));
      this.host = host;
      const root = host.attachShadow({ mode: 'open' });
      const css = el('link');
      css.rel = 'stylesheet';
      css.href = base + '/widget.css';
      root.appendChild(css);

      this.launcher = el('button', 'sbw-launcher', t('launcher'));
      this.launcher.type = 'button';
      this.badge = el('span', 'sbw-badge');
      this.badge.hidden = true;
      this.launcher.appendChild(this.badge);
      this.launcher.addEventListener('click', () => this.toggle(true));

      const panel = el('section', 'sbw-panel');
      panel.hidden = true;
      panel.setAttribute('role', 'dialog');
      panel.setAttribute('aria-label', options.title || t('title'));
      const header = el('header', 'sbw-header');
      header.appendChild(el('h2', 'sbw-title', options.title || t('title')));
      const close = el('button', 'sbw-close', '×');
      close.type = 'button';
      close.setAttribute('aria-label', t('close'));
      close.addEventListener('click', () => this.toggle(false));
      // Escape closes the panel and gives the focus back to the launcher.
      panel.addEventListener('keydown', e => {
        if (e.key === 'Escape') {
          e.preventDefault();
          this.toggle(false);
        }
      });
      // A copy of the conversation by e-mail (the service mails it; asks for an address if it has none).
      this.emailButton = el('button', 'sbw-email', '✉');
      this.emailButton.type = 'button';
      this.emailButton.title = t('emailMe');
      this.emailButton.setAttribute('aria-label', t('emailMe'));
      this.emailButton.hidden = true;
      this.emailButton.addEventListener('click', () => this.emailTranscript());
      header.append(this.emailButton, close);
      this.status = el('p', 'sbw-status', t('online'));
      this.status.setAttribute('aria-live', 'polite');
      this.queue = el('p', 'sbw-queue');
      this.queue.hidden = true;
      this.list = el('ol', 'sbw-messages');
      this.list.setAttribute('aria-live', 'polite');
      // A scrolling region a keyboard user can reach and scroll (WCAG 2.1.1), named for screen readers.
      this.list.tabIndex = 0;
      this.list.setAttribute('aria-label', t('messages'));
      this.typingLine = el('p', 'sbw-typing');
      this.typingLine.hidden = true;

      this.composer = el('form', 'sbw-composer');
      this.input = el('textarea', 'sbw-input');
      this.input.dir = 'auto'; // Arabic or Hebrew is written right to left
      this.input.rows = 2;
      this.input.maxLength = 4000;
      this.input.placeholder = t('placeholder');
      this.input.setAttribute('aria-label', t('placeholder'));
      const send = el('button', 'sbw-send', t('send'));
      send.type = 'submit';
      // Files: a button (on a phone it offers the camera too), a pasted screenshot, or dropped on the panel.
      this.fileInput = el('input', 'sbw-file-input');
      this.fileInput.type = 'file';
      this.fileInput.multiple = true;
      this.fileInput.hidden = true;
      this.fileInput.accept = 'image/*,application/pdf,text/plain,text/csv,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.odt,.ods,.odp,.rtf';
      this.fileInput.addEventListener('change', () => {
        if (this.fileInput.files.length) this.attach(Array.from(this.fileInput.files));
        this.fileInput.value = '';
      });
      const attach = el('button', 'sbw-attach');
      attach.innerHTML = CLIP; // a constant icon, never data
      attach.type = 'button';
      attach.setAttribute('aria-label', t('attach'));
      attach.title = t('attach');
      attach.addEventListener('click', () => this.fileInput.click());
      this.input.addEventListener('paste', e => {
        const files = Array.from((e.clipboardData && e.clipboardData.files) || []);
        if (files.length) {
          e.preventDefault();
          this.attach(files);
        }
      });
      panel.addEventListener('dragover', e => e.preventDefault());
      panel.addEventListener('drop', e => {
        const files = Array.from((e.dataTransfer && e.dataTransfer.files) || []);
        if (files.length) {
          e.preventDefault();
          this.attach(files);
        }
      });
      this.composer.append(attach, this.fileInput, this.input, send);
      this.composer.addEventListener('submit', e => {
        e.preventDefault();
        this.submit(this.input.value);
      });
      this.input.addEventListener('keydown', e => {
        if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
          e.preventDefault();
          this.submit(this.input.value);
        }
      });
      this.input.addEventListener('input', () => this.typing());

      this.offline = this.buildOfflineForm();
      this.ask = this.buildEmailForm();
      panel.append(header, this.status, this.queue, this.list, this.typingLine, this.ask, this.offline, this.composer);
      this.panel = panel;
      root.append(this.launcher, panel);
      document.body.appendChild(host);
    }

    /**
     * The "leave a message" form. Its errors are in the widget's language, tied to their field
     * (aria-describedby, aria-invalid) and announced (role="alert"); the browser's own bubbles, in the
     * browser's language, are not used (novalidate).
     */
    buildOfflineForm() {
      const form = el('form', 'sbw-offline');
      form.hidden = true;
      form.noValidate = true;
      form.appendChild(el('h3', null, t('offlineTitle')));
      form.appendChild(el('p', null, t('offlineText')));
      const errors = {};
      const field = (name, type, label) => {
        const id = 'sbw-field-' + name;
        const labelEl = el('label', 'sbw-label', label);
        labelEl.htmlFor = id;
        const input = el(type === 'textarea' ? 'textarea' : 'input', 'sbw-field sbw-field-' + name); // not sbw-email: the header's ✉ button
        input.id = id;
        if (type !== 'textarea') input.type = type;
        if (type !== 'email') input.dir = 'auto';
        input.name = name;
        const error = el('p', 'sbw-error');
        error.id = id + '-error';
        error.setAttribute('role', 'alert');
        input.setAttribute('aria-describedby', error.id);
        input.addEventListener('input', () => this.fieldError(input, error, null));
        errors[name] = error;
        form.append(labelEl, input, error);
        return input;
      };
      const name = field('name', 'text', t('name'));
      name.maxLength = 80; // the server's limits: 80 characters, e-mail 254
      name.autocomplete = 'name';
      const email = field('email', 'email', t('email'));
      email.maxLength = 254;
      email.autocomplete = 'email';
      const message = field('message', 'textarea', t('message'));
      message.required = true;
      message.maxLength = 4000;
      const submit = el('button', 'sbw-leave', t('leave'));
      submit.type = 'submit';
      form.appendChild(submit);
      this.offlineError = el('p', 'sbw-error');
      this.offlineError.setAttribute('role', 'alert');
      form.appendChild(this.offlineError);
      const inputs = { name, email, message };
      form.addEventListener('submit', async e => {
        e.preventDefault();
        this.offlineError.textContent = '';
        const problems = [];
        if (!message.value.trim()) problems.push(['message', t('messageEmpty')]);
        if (email.value.trim() && !email.validity.valid) problems.push(['email', t('emailInvalid')]);
        Object.keys(inputs).forEach(k => this.fieldError(inputs[k], errors[k], null));
        problems.forEach(([k, text]) => this.fieldError(inputs[k], errors[k], text));
        if (problems.length) {
          inputs[problems[0][0]].focus();
          return;
        }
        submit.disabled = true;
        try {
          await this.ensureConversation();
          if (name.value.trim() || email.value.trim()) {
            await this.client.request('PATCH', '/api/visitors/me',
              { name: name.value.trim() || null, email: email.value.trim() || null });
          }
          this.submit(message.value);
          form.hidden = true;
          this.composer.hidden = false;
          this.notice(t('thanks'));
        } catch (error) {
          const on = { invalid_email: ['email', 'emailInvalid'], invalid_name: ['name', 'nameInvalid'],
            empty_text: ['message', 'messageEmpty'], text_too_long: ['message', 'messageTooLong'] }[error.code];
          if (on) {
            this.fieldError(inputs[on[0]], errors[on[0]], t(on[1]));
            inputs[on[0]].focus();
          } else {
            this.offlineError.textContent = t(error.code === 'rate_limited' ? 'tooMany' : 'saveFailed');
          }
        } finally {
          submit.disabled = false;
        }
      });
      return form;
    }

    /** Shows (or clears, with null) a field's error: tied to it, announced, in the widget's language. */
    /**
     * The address a copy of the chat goes to, asked for in the panel (not the browser's bare prompt): a
     * labelled field with its error tied to it, Send and Cancel; Escape cancels and gives the focus back.
     */
    buildEmailForm() {
      const form = el('form', 'sbw-ask');
      form.hidden = true;
      form.noValidate = true;
      const label = el('label', 'sbw-label', t('emailAsk'));
      label.htmlFor = 'sbw-ask-email';
      const input = el('input', 'sbw-field');
      input.id = 'sbw-ask-email';
      input.type = 'email';
      input.name = 'email';
      input.maxLength = 254;
      input.autocomplete = 'email';
      const error = el('p', 'sbw-error');
      error.id = 'sbw-ask-email-error';
      error.setAttribute('role', 'alert');
      input.setAttribute('aria-describedby', error.id);
      input.addEventListener('input', () => this.fieldError(input, error, null));
      const send = el('button', 'sbw-leave', t('emailSend'));
      send.type = 'submit';
      const cancel = el('button', 'sbw-ask-cancel', t('cancelAsk'));
      cancel.type = 'button';
      cancel.addEventListener('click', () => this.closeAsk());
      form.addEventListener('keydown', e => {
        if (e.key === 'Escape') { // this form, not the whole panel
          e.preventDefault();
          e.stopPropagation();
          this.closeAsk();
        }
      });
      form.addEventListener('submit', async e => {
        e.preventDefault();
        const email = input.value.trim();
        if (!email || !input.validity.valid) {
          this.fieldError(input, error, t('emailInvalid'));
          input.focus();
          return;
        }
        send.disabled = true;
        try {
          await this.client.request('PATCH', '/api/visitors/me', { email });
          this.closeAsk();
          await this.requestTranscript(email);
        } catch (failure) {
          this.fieldError(input, error, failure.code === 'invalid_email' ? t('emailInvalid') : t('emailFailed', { reason: failure.message }));
          input.focus();
        } finally {
          send.disabled = false;
        }
      });
      const buttons = el('div', 'sbw-ask-buttons');
      buttons.append(send, cancel);
      form.append(label, input, error, buttons);
      form.input = input;
      form.error = error;
      return form;
    }

    openAsk() {
      this.fieldError(this.ask.input, this.ask.error, null);
      this.ask.hidden = false;
      this.ask.input.focus();
    }

    closeAsk() {
      this.ask.hidden = true;
      this.ask.input.value = '';
      this.fieldError(this.ask.input, this.ask.error, null);
      (this.composer.hidden ? this.emailButton : this.input).focus();
    }

    fieldError(input, error, text) {
      error.textContent = text || '';
      if (text) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }

    async init() {
      // Messages written before the last reload, before there was a conversation: still on their way.
      this.early().forEach(item => {
        const li = this.pendingElement(item.text);
        li.dataset.clientMsgId = item.clientMsgId;
        this.elements.set(item.clientMsgId, li);
      });
      window.addEventListener('online', () => this.sendEarly());
      // Arrived from a "continue the conversation" link in an e-mail: a one-time code for this device, never a
      // token (a token in a URL could be planted on someone; one left from an old link is dropped unread).
      const handoff = /(?:^#|&)switchboard-continue=([^&]+)/.exec(location.hash);
      const linkedTo = /(?:^#|&)switchboard-conversation=(\d+)/.exec(location.hash);
      const linked = linkedTo ? Number(linkedTo[1]) : null;
      if (/(?:^#|&)switchboard-(?:continue|token|conversation)=/.test(location.hash)) {
        history.replaceState(null, '', location.pathname + location.search);
      }
      if (options.identity) {
        // The page's signed identity outranks anything handed over: sign in; the linked conversation opens
        // if it is this person's.
        await this.signIn(options.identity);
      } else {
        await this.signIn(null);
        if (handoff) await this.exchange(decodeURIComponent(handoff[1]));
      }
      if (this.token) {
        this.client = this.newClient();
        try {
          const conversation = linked ? await this.client.request('GET', '/api/conversations/' + linked).catch(() => null) : null;
          if (conversation) {
            await this.open(conversation);
            this.toggle(true);
          } else {
            const page = await this.client.request('GET', '/api/conversations?size=1');
            if (page.items.length > 0) await this.open(page.items[0]);
          }
        } catch (e) {
          if (e.status === 401) this.forget();
        }
      }
      await this.checkAgents(false);
      this.watchAgents();
      this.sendEarly();
    }

    newClient() {
      const client = new window.Switchboard.Client({ base, role: 'visitor', token: this.token, transport: options.transport,
        storageKey: TOKEN_KEY + '.outbox', maxUploadBytes: this.maxUploadBytes });
      client.on('status', s => this.connection(s));
      client.on('message', m => this.message(m));
      client.on('sent', s => this.sent(s));
      client.on('sendfailed', f => this.failed(f));
      client.on('uploadprogress', p => this.progress(p));
      client.on('uploadretry', r => {
        const li = this.elements.get(r.clientMsgId);
        if (li) this.state(li, t('retrying'), 'sending');
      });
      client.on('typing', f => this.agentTyping(f));
      client.on('read', r => this.receipt(r));
      client.on('conversation', c => this.changed(c));
      client.on('unauthorized', () => this.forget());
      return client;
    }

    /**
     * The site's signed identity for its logged-in user, if any: this browser's anonymous visitor is signed in
     * (merged), or this device gets its own token for that person. Without one, a signed-in visitor left from
     * an earlier page (the user logged out) is forgotten. A refused identity is reported on the console and
     * the widget stays anonymous: it never trusts what it could not verify.
     */
    async signIn(identity) {
      if (!identity) {
        if (localStorage.getItem(IDENTIFIED_KEY)) this.forget();
        return;
      }
      const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
      const body = JSON.stringify({ identity });
      try {
        if (this.token) {
          const r = await fetch(base + '/api/visitors/me/identity', { method: 'PUT', credentials: 'omit', body,
            headers: Object.assign({ Authorization: 'Bearer ' + this.token }, headers) });
          if (r.ok) {
            // Signing in an anonymous visitor ends its tokens: this device gets a new one.
            const signedIn = await r.json().catch(() => ({}));
            if (signedIn.token) this.keep(signedIn.token);
            localStorage.setItem(IDENTIFIED_KEY, '1');
            return;
          }
          const problem = await r.json().catch(() => ({}));
          if (problem.error === 'invalid_identity') return refused(problem);
          this.forget(); // someone else's visitor (identity_mismatch) or a token that ended: a fresh sign-in
        }
        const r = await fetch(base + '/api/visitors', { method: 'POST', credentials: 'omit', headers, body });
        const answer = await r.json().catch(() => ({}));
        if (!r.ok) return refused(answer);
        this.keep(answer.token);
        localStorage.setItem(IDENTIFIED_KEY, '1');
      } catch (e) {
        // Offline: the stored token (if any) still works; the next page load signs in.
      }

      function refused(problem) {
        console.warn('Switchboard: the signed identity was refused (' + (problem.error || 'error') + '): ' + (problem.message || ''));
      }
    }

    /** This device's token from now on, kept across reloads. */
    keep(token) {
      this.token = token;
      localStorage.setItem(TOKEN_KEY, token);
    }

    /** A continue link's one-time code becomes this device's own token; a used or expired one changes nothing. */
    async exchange(code) {
      try {
        const r = await fetch(base + '/api/visitors/handoff', { method: 'POST', credentials: 'omit',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify({ code }) });
        if (!r.ok) return;
        const handed = await r.json();
        if (this.client) this.client.stop();
        this.client = null;
        localStorage.removeItem(IDENTIFIED_KEY);
        this.keep(handed.token);
      } catch (e) {
        // Offline: the link can be opened again while it is valid.
      }
    }

    /** Asks the service to e-mail this conversation to the visitor (an address is asked for when it has none: {@link #openAsk}). */
    async emailTranscript() {
      if (!this.conversation || !this.client) return;
      try {
        const me = await this.client.request('GET', '/api/visitors/me');
        if (me.email) await this.requestTranscript(me.email);
        else this.openAsk();
      } catch (e) {
        this.notice(t('emailFailed', { reason: e.message }));
      }
    }

    async requestTranscript(email) {
      try {
        const queued = await this.client.request('POST', '/api/conversations/' + this.conversation.id + '/transcript');
        this.notice(t(queued && queued.awaitingConfirmation ? 'emailConfirm' : 'emailSent', { email }));
      } catch (e) {
        this.notice(t('emailFailed', { reason: e.message }));
      }
    }

    forget() {
      // Another tab may have stored a newer token meanwhile (a sign-in): only this one's is forgotten.
      if (localStorage.getItem(TOKEN_KEY) === this.token) {
        localStorage.removeItem(TOKEN_KEY);
        localStorage.removeItem(IDENTIFIED_KEY);
      }
      this.token = null;
      if (this.emailButton) this.emailButton.hidden = true;
      if (this.client) this.client.stop();
      this.client = null;
      this.conversation = null;
    }

    /**
     * Whether anyone can answer, kept current: while the panel is open on a visible page, a long-poll that
     * answers the moment that changes (the offline form gives way to the chat at once, on any replica);
     * otherwise a look every 30 s. One request at a time; opening the panel or showing the page starts one.
     */
    watchAgents() {
      clearTimeout(this.agentsTimer);
      if (this.agentsWatching) return;
      this.agentsWatching = true;
      const live = () => !this.panel.hidden && !document.hidden;
      const started = Date.now();
      const before = this.agentsOnline;
      this.checkAgents(live() && before !== null).then(ok => {
        this.agentsWatching = false;
        const changed = before !== this.agentsOnline;
        // A long-poll that came back at once with nothing new (a proxy that does not hold requests) waits a little.
        const pause = !ok ? 10000 : !live() ? 30000 : changed || Date.now() - started >= 1000 ? 0 : 5000;
        this.agentsTimer = setTimeout(() => this.watchAgents(), pause);
      });
    }

    /** One look at the availability; {@code wait}: as a long-poll (see {@link #watchAgents}). True when answered. */
    async checkAgents(wait) {
      try {
        const query = wait ? '?wait=25s&online=' + (this.agentsOnline > 0) : '';
        this.agentsAbort = new AbortController();
        const r = await fetch(base + '/api/presence' + query, { credentials: 'omit', cache: 'no-store', signal: this.agentsAbort.signal });
        if (!r.ok) return false;
        const availability = await r.json();
        this.agentsOnline = availability.agentsOnline;
        this.emailOffered = availability.email === true;
        this.maxUploadBytes = availability.maxUploadBytes || 0;
        if (this.client) this.client.maxUploadBytes = this.maxUploadBytes;
        this.emailButton.hidden = !(this.emailOffered && this.conversation);
      } catch (e) {
        return false;
      }
      this.render();
      return true;
    }

    /** Offline form when nobody can answer and nothing has been said yet; the chat otherwise. */
    render() {
      const empty = !this.conversation || this.conversation.lastSeq === 0;
      const away = this.agentsOnline === 0;
      this.offline.hidden = !(away && empty);
      this.composer.hidden = away && empty;
      if (!this.client || this.client.state === 'online' || this.client.state === 'idle') this.status.textContent = this.statusText();
    }

    /** The unread count survives navigation within the site (sessionStorage, like the panel's state). */
    paintBadge() {
      sessionStorage.setItem(TOKEN_KEY + '.unread', String(this.unread));
      this.badge.textContent = String(this.unread);
      this.badge.hidden = this.unread === 0;
      this.badge.title = t('unread', { n: this.unread });
    }

    /** The newest agent message already counted, so a history replayed after a reload is not counted again. */
    seenSeq() {
      return Number(sessionStorage.getItem(TOKEN_KEY + '.counted') || 0);
    }

    seen(seq) {
      sessionStorage.setItem(TOKEN_KEY + '.counted', String(seq));
    }

    toggle(open) {
      this.panel.hidden = !open;
      this.launcher.hidden = open;
      sessionStorage.setItem(TOKEN_KEY + '.open', open ? '1' : '0');
      if (open) {
        this.watchAgents();
        this.unread = 0;
        this.paintBadge();
        this.markRead();
        (this.offline.hidden ? this.input : this.offline.querySelector('textarea')).focus();
      } else {
        this.launcher.focus();
      }
    }

    /** Creates the visitor and the conversation on the first message, not on page load. */
    async ensureConversation() {
      if (this.conversation) return this.conversation;
      const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
      if (this.token) headers.Authorization = 'Bearer ' + this.token;
      let response;
      let body;
      try {
        response = await fetch(base + '/api/conversations', { method: 'POST', headers, credentials: 'omit' });
        body = await response.json();
      } catch (e) {
        const offline = new Error(t('reconnecting'));
        offline.transient = true; // the network, or an answer that was not ours (a proxy's error page)
        throw offline;
      }
      if (!response.ok) {
        if (response.status === 401) this.forget();
        const error = new Error(body.message || body.error);
        // Not now (rate limited, overloaded, shutting down, a token that just expired) or never.
        // (A site that requires signed-in visitors refuses an anonymous one for good: invalid_identity.)
        error.transient = (response.status === 401 && body.error !== 'invalid_identity') || response.status === 429
          || response.status >= 500;
        error.retryAfter = Number(response.headers.get('Retry-After')) * 1000 || 0;
        throw error;
      }
      if (body.session) {
        this.token = body.session.token;
        localStorage.setItem(TOKEN_KEY, this.token);
        if (this.client) this.client.stop();
        this.client = null;
      }
      if (!this.client) this.client = this.newClient();
      await this.open(body.conversation);
      return this.conversation;
    }

    async open(conversation) {
      // Opened only once its history is here: a failure leaves no half-open conversation behind (the next
      // attempt asks for it again).
      const history = await this.client.request('GET', '/api/conversations/' + conversation.id + '/messages?limit=50');
      this.conversation = conversation;
      this.host.dataset.conversationId = conversation.id;
      this.emailButton.hidden = !this.emailOffered;
      history.forEach(m => this.show(m));
      const last = history.length ? history[history.length - 1].seq : 0;
      // Messages written before a reload that never reached the service are still queued: show them as
      // sending (or settle them, if the service did store them before the page went away).
      const stored = new Set(history.map(m => m.clientMsgId));
      this.client.pending().filter(p => p.conversationId === conversation.id).forEach(p => {
        if (stored.has(p.clientMsgId)) {
          this.client.settle(p.clientMsgId, p.conversationId, 0, true);
        } else if (!this.elements.has(p.clientMsgId)) {
          const li = this.pendingElement(p.text);
          li.dataset.clientMsgId = p.clientMsgId;
          this.elements.set(p.clientMsgId, li);
        }
      });
      try {
        (await this.client.request('GET', '/api/conversations/' + conversation.id + '/reads')).forEach(r => this.receipt(r));
      } catch (e) {
        // receipts are a nicety; the chat works without them
      }
      this.client.follow(conversation.id, last);
      this.client.start();
      this.changed(conversation, true);
      this.reportContext();
    }

    /**
     * Tells the agents where the visitor is: this page's address and title, the referrer, the browser's
     * language and time zone — once there is a conversation, and again on each navigation inside the page
     * (history.pushState, back/forward, #hash), at most once every 2 s.
     */
    reportContext() {
      if (!this.client || !this.conversation) return;
      if (!this.watchingNavigation) {
        this.watchingNavigation = true;
        const changed = () => this.reportContext();
        ['pushState', 'replaceState'].forEach(name => {
          const original = history[name];
          history[name] = function () {
            const result = original.apply(this, arguments);
            changed();
            return result;
          };
        });
        window.addEventListener('popstate', changed);
        window.addEventListener('hashchange', changed);
      }
      clearTimeout(this.contextTimer);
      const wait = Math.max(0, (this.contextAt || 0) + 2000 - Date.now());
      this.contextTimer = setTimeout(async () => {
        const context = { url: location.href, title: document.title.slice(0, 300) };
        if (document.referrer) context.referrer = document.referrer;
        if (navigator.language) context.language = navigator.language;
        try {
          context.timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
        } catch (e) {
          // no time zone: the agent sees none
        }
        const key = JSON.stringify(context);
        if (key === this.contextSent) return;
        this.contextAt = Date.now();
        try {
          await this.client.request('PUT', '/api/visitors/me/context', context);
          this.contextSent = key;
        } catch (e) {
          // the next navigation tries again
        }
      }, wait);
    }

    submit(raw) {
      const text = raw.replace(/^\s+|\s+$/g, '');
      if (!text) return;
      this.input.value = '';
      this.stopTyping();
      const pending = this.pendingElement(text);
      if (this.conversation && this.client && this.early().length === 0) {
        const id = this.client.send(this.conversation.id, text);
        pending.dataset.clientMsgId = id;
        this.elements.set(id, pending);
        return;
      }
      // No conversation yet (or earlier messages still wait for it): the message joins the early queue
      // (persisted), which keeps the order.
      const id = window.Switchboard.newClientMsgId();
      pending.dataset.clientMsgId = id;
      this.elements.set(id, pending);
      this.early().push({ clientMsgId: id, text });
      this.saveEarly();
      this.sendEarly();
    }

    /** Sends files (with what is written, if anything) as one message; progress and a cancel in its bubble. */
    async attach(files) {
      const text = this.input.value.replace(/^\s+|\s+$/g, '');
      this.input.value = '';
      const li = this.pendingElement(text);
      const list = el('div', 'sbw-files');
      files.forEach(f => list.appendChild(el('span', 'sbw-file', f.name + ' · ' + size(f.size))));
      li.insertBefore(list, li.querySelector('time'));
      try {
        const conversation = this.conversation || await this.ensureConversation();
        const id = this.client.sendFiles(conversation.id, files, text);
        li.dataset.clientMsgId = id;
        this.elements.set(id, li);
        const cancel = el('button', 'sbw-cancel', '×');
        cancel.type = 'button';
        cancel.setAttribute('aria-label', t('cancel'));
        cancel.addEventListener('click', () => {
          if (this.client.cancel(id)) li.remove();
        });
        li.appendChild(cancel);
      } catch (error) {
        this.state(li, t('failed', { reason: error.message }), 'failed');
      }
    }

    progress(p) {
      const li = this.elements.get(p.clientMsgId);
      if (li && li.dataset.state === 'sending') {
        this.state(li, t('uploading', { p: Math.floor(100 * p.loaded / Math.max(1, p.total)) }), 'sending');
      }
    }

    /** A message's files: images inline (bounded in size), others as a chip with name and size. */
    files(li, attachments) {
      const old = li.querySelector('.sbw-files');
      if (old) old.remove();
      const cancel = li.querySelector('.sbw-cancel');
      if (cancel) cancel.remove();
      if (!attachments || attachments.length === 0) return;
      const list = window.Switchboard.attachmentList(this.client, attachments,
        { list: 'sbw-files', image: 'sbw-image', file: 'sbw-file', width: 220, height: 180 });
      const text = li.querySelector('.sbw-text');
      if (text && !text.textContent) text.remove();
      li.insertBefore(list, li.querySelector('time'));
    }

    early() {
      if (!this.earlyQueue) {
        try {
          this.earlyQueue = JSON.parse(localStorage.getItem(EARLY_KEY)) || [];
        } catch (e) {
          this.earlyQueue = [];
        }
      }
      return this.earlyQueue;
    }

    saveEarly() {
      try {
        if (this.early().length) localStorage.setItem(EARLY_KEY, JSON.stringify(this.early()));
        else localStorage.removeItem(EARLY_KEY);
      } catch (e) {
        // storage full or disabled: the queue still lives in memory
      }
    }

    /**
     * Creates the visitor and conversation (retrying what is only "not now": the network, a rate limit, an
     * overloaded service, with jittered backoff) and hands the early messages to the client's outbox in order.
     * Only a refusal for good (an origin that is not allowed…) marks them failed.
     */
    async sendEarly() {
      if (this.earlyRunning || this.early().length === 0) return;
      this.earlyRunning = true;
      clearTimeout(this.earlyTimer);
      try {
        const conversation = await this.ensureConversation();
        while (this.early().length) {
          const item = this.early()[0];
          this.client.send(conversation.id, item.text, item.clientMsgId);
          this.early().shift();
          this.saveEarly();
        }
        this.earlyAttempt = 0;
      } catch (error) {
        if (error.transient === false) {
          this.early().splice(0).forEach(item => {
            const li = this.elements.get(item.clientMsgId);
            if (li) this.state(li, t('failed', { reason: error.message }), 'failed');
          });
          this.saveEarly();
        } else {
          this.earlyAttempt = (this.earlyAttempt || 0) + 1;
          const ceiling = Math.min(30000, 1000 * Math.pow(2, this.earlyAttempt - 1));
          const wait = Math.max(error.retryAfter || 0, ceiling / 2 + Math.random() * ceiling / 2); // jittered
          this.earlyTimer = setTimeout(() => this.sendEarly(), wait);
        }
      } finally {
        this.earlyRunning = false;
      }
    }

    /** A visible time on every bubble: when it was written (pending), then when the service stored it. */
    stamp(li, when) {
      let time = li.querySelector('.sbw-time');
      if (!time) {
        time = el('time', 'sbw-time');
        li.insertBefore(time, li.querySelector('.sbw-state'));
      }
      time.dateTime = when.toISOString();
      time.textContent = when.toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' });
    }

    pendingElement(text) {
      const li = el('li', 'sbw-msg sbw-mine');
      li.appendChild(textOf(text));
      this.stamp(li, new Date());
      const meta = el('span', 'sbw-state', t('sending'));
      li.appendChild(meta);
      li.dataset.state = 'sending';
      this.list.appendChild(li);
      this.scroll();
      return li;
    }

    state(li, text, state) {
      li.querySelector('.sbw-state').textContent = text;
      li.dataset.state = state;
    }

    /** A stored message: replaces its pending bubble if it is one of ours, else a new bubble. */
    show(m) {
      const shown = this.list.querySelector('[data-seq="' + m.seq + '"]');
      if (shown) { // ours, placed when the ack came: its files as stored
        if (m.attachments && m.attachments.length && !shown.querySelector('.sbw-files a')) this.files(shown, m.attachments);
        return;
      }
      if (m.author.kind === 'system') {
        this.systemLine(m);
        return;
      }
      const mine = m.author.kind === 'visitor';
      let li = mine ? this.elements.get(m.clientMsgId) : null;
      if (!li) {
        li = el('li', 'sbw-msg ' + (mine ? 'sbw-mine' : 'sbw-theirs'));
        if (!mine) li.appendChild(el('span', 'sbw-author', m.author.name));
        li.appendChild(textOf(m.text));
        if (mine) li.appendChild(el('span', 'sbw-state'));
      }
      this.files(li, m.attachments);
      li.dataset.seq = m.seq;
      window.Switchboard.placeBySeq(this.list, li);
      li.title = new Date(m.sentAt).toLocaleString(lang);
      this.stamp(li, new Date(m.sentAt));
      if (mine) this.state(li, m.seq <= this.agentRead ? t('read') : t('sent'), m.seq <= this.agentRead ? 'read' : 'sent');
      this.scroll();
    }

    message(m) {
      this.show(m);
      if (this.conversation && m.seq > this.conversation.lastSeq) this.conversation.lastSeq = m.seq;
      if (m.author.kind === 'agent') {
        this.typingLine.hidden = true;
        this.agentActive = Date.now();
        if ((this.panel.hidden || document.hidden) && m.seq > this.seenSeq()) {
          this.unread++;
          this.seen(m.seq);
          this.paintBadge();
        }
        this.markRead();
      }
      this.render();
    }

    sent(s) {
      const li = this.elements.get(s.clientMsgId);
      if (li && li.dataset.state === 'sending') {
        li.dataset.seq = s.seq;
        window.Switchboard.placeBySeq(this.list, li);
        this.state(li, t('sent'), 'sent');
      }
    }

    failed(f) {
      const li = this.elements.get(f.clientMsgId);
      if (li) this.state(li, t('failed', { reason: this.reason(f.error) }), 'failed');
    }

    /** Why a send or an upload was refused, in the widget's words (never a type name or a byte count). */
    reason(error) {
      switch (error && error.code) {
        case 'attachment_too_large': return t('fileTooLarge', { max: size(this.maxUploadBytes || 10 * 1024 * 1024) });
        case 'attachment_type_not_allowed': return t('fileTypeRefused');
        case 'invalid_upload': return t('fileEmpty');
        case 'invalid_attachments': return t('tooManyFiles');
        case 'text_too_long': return t('messageTooLong');
        case 'empty_text': return t('messageEmpty');
        case 'rate_limited': case 'too_many_requests': return t('tooMany');
        default: return error && error.code && error.code.startsWith('attachment') ? t('fileFailed') : (error && error.message) || '';
      }
    }

    markRead() {
      if (!this.client || !this.conversation || this.panel.hidden || document.hidden) return;
      const seq = this.client.cursor(this.conversation.id);
      if (seq > (this.readSent || 0)) {
        this.readSent = seq;
        this.client.read(this.conversation.id, seq);
      }
    }

    receipt(r) {
      if (r.readerKind !== 'agent' || r.seq <= this.agentRead) return;
      this.agentRead = r.seq;
      this.list.querySelectorAll('.sbw-mine[data-seq]').forEach(li => {
        if (Number(li.dataset.seq) <= this.agentRead) this.state(li, t('read'), 'read');
      });
    }

    agentTyping(f) {
      if (f.author.kind !== 'agent') return;
      this.agentActive = Date.now();
      this.render();
      clearTimeout(this.typingTimer);
      this.typingLine.hidden = f.state !== 'start';
      this.typingLine.textContent = t('typing', { name: f.author.name });
      if (f.state === 'start') this.typingTimer = setTimeout(() => { this.typingLine.hidden = true; }, 6000);
    }

    typing() {
      if (!this.client || !this.conversation) return;
      const now = Date.now();
      if (!this.typingSince || now - this.typingSince > 3000) {
        this.typingSince = now;
        this.client.typing(this.conversation.id, true);
      }
      clearTimeout(this.typingStop);
      this.typingStop = setTimeout(() => this.stopTyping(), 2500);
    }

    stopTyping() {
      clearTimeout(this.typingStop);
      if (this.typingSince && this.client && this.conversation) this.client.typing(this.conversation.id, false);
      this.typingSince = 0;
    }

    /** Status or assignee changed: the status line, the queue position while waiting (joins are in the timeline). */
    changed(c) {
      if (!this.conversation || c.id !== this.conversation.id) return;
      this.conversation = Object.assign({}, this.conversation, c, { lastSeq: Math.max(this.conversation.lastSeq, c.lastSeq) });
      this.host.dataset.conversationStatus = c.status;
      clearInterval(this.queueTimer);
      if (c.status === 'waiting') {
        this.position();
        this.queueTimer = setInterval(() => this.position(), 5000);
      } else {
        this.queue.hidden = true;
      }
      this.connection({ state: this.client ? this.client.state : 'idle' });
      this.render();
    }

    async position() {
      try {
        const q = await this.client.request('GET', '/api/conversations/' + this.conversation.id + '/queue');
        this.queue.hidden = q.position < 1;
        this.queue.textContent = t('queue', { n: q.position });
      } catch (e) {
        // shown again on the next tick
      }
    }

    /** A line from the widget itself (not stored): the offline form's thanks. */
    notice(text) {
      this.list.appendChild(noticeOf(text));
      this.scroll();
    }

    /**
     * A join, resolve or reopening, as stored in the timeline (so it is there after a reload too), said in
     * the widget's language; an event this widget does not know shows the service's English text.
     */
    systemLine(m) {
      const named = m.author.id !== null && m.author.id !== undefined;
      const key = { joined: 'joined', left: 'left', resolved: named ? 'resolvedBy' : 'resolvedAnon',
        reopened: named ? 'reopenedBy' : 'reopenedAnon', requeued: 'requeued' }[m.event];
      const li = noticeOf(key ? t(key, { name: m.author.name }) : m.text);
      li.dataset.seq = m.seq;
      li.dataset.event = m.event || '';
      window.Switchboard.placeBySeq(this.list, li);
      this.stamp(li, new Date(m.sentAt));
      this.scroll();
    }

    connection(s) {
      this.host.dataset.state = s.state;
      if (this.client) this.host.dataset.transport = this.client.transport;
      if (s.state === 'online' || s.state === 'idle') {
        this.status.textContent = this.statusText();
        this.status.classList.remove('sbw-warning');
      } else if (s.state === 'reconnecting' || s.state === 'connecting') {
        this.status.textContent = s.state === 'connecting' ? t('connecting') : t('reconnecting');
        this.status.classList.toggle('sbw-warning', s.state === 'reconnecting');
      }
    }

    /**
     * What is true now, in one place: resolved; chatting with the assigned agent; nobody can answer (unless
     * an agent is visibly at work here: typing or writing in the last minute); or we usually reply soon.
     */
    statusText() {
      const c = this.conversation;
      if (c && c.status === 'resolved') return t('resolvedStatus');
      if (c && c.assignee) return t('chattingWith', { name: c.assignee.name });
      const agentAtWork = this.agentActive && Date.now() - this.agentActive < 60000;
      if (this.agentsOnline === 0 && !agentAtWork) return t('away');
      return t('online');
    }

    scroll() {
      this.list.scrollTop = this.list.scrollHeight;
    }
  }

  function boot() {
    loadLibrary(() => {
      const widget = new Widget();
      widget.init();
      document.addEventListener('visibilitychange', () => {
        widget.markRead();
        if (!document.hidden && widget.panel) widget.watchAgents();
      });
      // Leaving the page: its held availability request ends now (the client closes its link likewise).
      window.addEventListener('pagehide', () => {
        clearTimeout(widget.agentsTimer);
        if (widget.agentsAbort) widget.agentsAbort.abort();
      });
      window.addEventListener('pageshow', event => { if (event.persisted && widget.panel) widget.watchAgents(); });
    });
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', boot);
  } else {
    boot();
  }
})();

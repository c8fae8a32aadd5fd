// The sessions page's inline script (plain ES2020, runs in the browser as is). Opens an EventSource on
// the relay's snapshot stream, keeps one card per agent (rebuilt only when that agent changed, so a
// selection elsewhere survives), refreshes relative times each second and handles the admin token.
// Data only ever reaches the page through textContent. Written without backticks or `${`.
export const SESSIONS_SCRIPT = `
(function () {
  'use strict';
  var root = document.getElementById('sessions');
  if (!root) return;
  var apiUrl = root.getAttribute('data-api');
  var eventsUrl = root.getAttribute('data-events');
  var tokenRequired = root.getAttribute('data-token-required') === 'true';
  var TOKEN_KEY = 'converge.adminToken';
  var basePath = document.body.getAttribute('data-base-path') || '';
  var stateEl = root.querySelector('[data-testid="connection-state"]');
  var summaryEl = document.getElementById('summary');
  var list = document.getElementById('agents');
  var empty = document.getElementById('empty');
  var tokenForm = document.getElementById('token-form');
  var tokenInput = document.getElementById('token');
  var tokenProblem = document.getElementById('token-problem');
  var source = null;
  var retryTimer = 0;
  var clockOffset = 0;
  var cards = new Map();

  var STATE_TEXT = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', token: 'Admin token needed' };
  function setState(state) {
    stateEl.setAttribute('data-state', state);
    if (stateEl.textContent !== STATE_TEXT[state]) stateEl.textContent = STATE_TEXT[state];
  }

  // ---- formatting ----
  function now() { return Date.now() + clockOffset; }
  function span(seconds) {
    if (seconds < 60) return seconds + ' s';
    var minutes = Math.floor(seconds / 60);
    if (minutes < 60) return minutes + ' min';
    var hours = Math.floor(minutes / 60);
    if (hours < 48) return hours + ' h ' + (minutes % 60) + ' min';
    return Math.floor(hours / 24) + ' days';
  }
  function relative(iso) {
    var ms = Date.parse(iso) - now();
    if (isNaN(ms)) return '';
    var seconds = Math.round(Math.abs(ms) / 1000);
    if (seconds < 5) return ms <= 0 ? 'just now' : 'in a moment';
    return ms < 0 ? span(seconds) + ' ago' : 'in ' + span(seconds);
  }
  function bytes(count) {
    var units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    var value = Number(count) || 0;
    var unit = 0;
    while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
    return (unit === 0 ? String(value) : value.toFixed(value < 10 ? 1 : 0)) + ' ' + units[unit];
  }
  function refreshTimes() {
    root.querySelectorAll('time[data-time]').forEach(function (el) {
      var text = relative(el.getAttribute('data-time'));
      if (el.getAttribute('data-rel') === 'expires' && Date.parse(el.getAttribute('data-time')) <= now()) text = 'now';
      if (el.textContent !== text) el.textContent = text;
    });
  }

  // ---- DOM building (textContent only) ----
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    });
    return node;
  }
  function timeEl(iso, rel) {
    var date = new Date(iso);
    var title = isNaN(date.getTime()) ? String(iso) : date.toLocaleString();
    return el('time', { datetime: String(iso), 'data-time': String(iso), 'data-rel': rel, title: title }, [relative(iso)]);
  }
  function fact(label, value) {
    return el('div', {}, [el('dt', {}, [label]), el('dd', {}, [value])]);
  }
  function jobText(job) {
    if (!job || job.state === 'none') return 'not reported';
    var exit = typeof job.exitCode === 'number' ? ' (exit ' + job.exitCode + ')' : '';
    return job.state + exit;
  }
  function clientRow(client) {
    return el('li', { 'data-testid': 'client-row', 'data-client-index': String(client.index) }, [
      el('span', { class: 'badge' }, [String(client.kind)]),
      el('span', { class: 'mono' }, [String(client.address)]),
      el('span', {}, ['since ', timeEl(client.since, 'since')]),
      el('span', { class: 'muted', title: 'bytes from the client' }, ['in ' + bytes(client.bytesIn)]),
      el('span', { class: 'muted', title: 'bytes to the client' }, ['out ' + bytes(client.bytesOut)]),
    ]);
  }
  function agentCard(agent) {
    var clients = agent.clients || [];
    var expires = agent.expiresAt ? timeEl(agent.expiresAt, 'expires') : 'no expiry';
    var head = el('div', { class: 'agent-head' }, [
      el('h2', { class: 'mono' }, [String(agent.id)]),
      el('span', { class: 'badge', 'data-state': String(agent.job && agent.job.state) }, ['job ' + jobText(agent.job)]),
      agent.hold ? el('span', { class: 'badge hold', title: 'a .hold file keeps this agent past its expiry' }, ['held']) : null,
      el('a', { href: basePath + '/?id=' + encodeURIComponent(agent.id) }, ['How to connect']),
    ]);
    var facts = el('dl', { class: 'facts' }, [
      fact('Host', String(agent.hostname)),
      fact('System', agent.os + '/' + agent.arch),
      fact('User', String(agent.user)),
      fact('Connected', timeEl(agent.connectedAt, 'since')),
      fact('Expires', expires),
      fact('Address', String(agent.address)),
      agent.job && agent.job.command ? fact('Command', el('code', {}, [String(agent.job.command)])) : null,
      fact('Agent version', String(agent.version)),
    ]);
    var title = el('h3', { class: 'clients-title' }, [clients.length === 1 ? '1 client' : clients.length + ' clients']);
    var body = clients.length
      ? el('ul', { class: 'clients', 'aria-label': 'Clients of ' + agent.id }, clients.map(clientRow))
      : el('p', { class: 'none' }, ['No one connected yet.']);
    return el('li', { class: 'card agent', 'data-testid': 'agent-row', 'data-agent-id': String(agent.id) }, [head, facts, title, body]);
  }

  // ---- rendering a snapshot ----
  function render(snapshot) {
    if (!snapshot || !Array.isArray(snapshot.agents)) return;
    var generated = Date.parse(snapshot.generatedAt);
    if (!isNaN(generated)) clockOffset = generated - Date.now();
    var next = new Map();
    snapshot.agents.forEach(function (agent) {
      var signature = JSON.stringify(agent);
      var card = cards.get(agent.id);
      if (!card || card.signature !== signature) card = { signature: signature, node: agentCard(agent) };
      next.set(agent.id, card);
    });
    // Remove stale cards first, then insert new ones in place: unchanged cards never move.
    var keep = new Set(Array.from(next.values(), function (card) { return card.node; }));
    Array.from(list.children).forEach(function (node) { if (!keep.has(node)) node.remove(); });
    Array.from(next.values()).forEach(function (card, index) {
      var current = list.children[index];
      if (current !== card.node) list.insertBefore(card.node, current || null);
    });
    cards = next;
    empty.hidden = snapshot.agents.length > 0;
    var clientCount = snapshot.agents.reduce(function (sum, agent) { return sum + (agent.clients || []).length; }, 0);
    var agentCount = snapshot.agents.length;
    summaryEl.textContent = agentCount + (agentCount === 1 ? ' agent, ' : ' agents, ') + clientCount + (clientCount === 1 ? ' client' : ' clients');
    refreshTimes();
  }

  // ---- token and connection ----
  function storedToken() {
    try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch (error) { return ''; }
  }
  function storeToken(token) {
    try { if (token) sessionStorage.setItem(TOKEN_KEY, token); else sessionStorage.removeItem(TOKEN_KEY); } catch (error) { /* off */ }
  }
  function tokenQuery() {
    var token = tokenRequired ? storedToken() : '';
    return token ? '?token=' + encodeURIComponent(token) : '';
  }
  function askToken(wrong) {
    if (source) { source.close(); source = null; }
    setState('token');
    tokenForm.hidden = false;
    tokenProblem.hidden = !wrong;
    if (wrong) tokenInput.select();
  }
  function retry(action) {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(action, 3000);
  }
  function checkToken(token) {
    fetch(apiUrl + '?token=' + encodeURIComponent(token), { headers: { accept: 'application/json' }, cache: 'no-store' })
      .then(function (response) {
        if (response.status === 401 || response.status === 403) {
          storeToken('');
          askToken(true);
          return undefined;
        }
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.json().then(function (snapshot) {
          storeToken(token);
          tokenForm.hidden = true;
          tokenProblem.hidden = true;
          render(snapshot);
          connect();
        });
      })
      .catch(function () {
        setState('reconnecting');
        retry(function () { checkToken(token); });
      });
  }
  function connect() {
    if (source) source.close();
    source = new EventSource(eventsUrl + tokenQuery());
    source.onopen = function () { setState('live'); };
    source.onmessage = function (event) {
      var snapshot;
      try { snapshot = JSON.parse(event.data); } catch (error) { return; }
      setState('live');
      render(snapshot);
    };
    source.onerror = function () {
      setState('reconnecting');
      if (source.readyState !== EventSource.CLOSED) return; // the browser retries by itself
      // The browser gave up (an HTTP error such as 401): check the token, or open a new stream.
      source.close();
      source = null;
      retry(function () { if (tokenRequired) start(); else connect(); });
    };
  }
  function tokenFromFragment() {
    // The relay prints /sessions#token=...: a fragment never reaches a server or a Referer header.
    var match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
    if (!match) return;
    try { storeToken(decodeURIComponent(match[1])); } catch (error) { /* malformed: ignore */ }
    try { history.replaceState(null, '', location.pathname + location.search); } catch (error) { /* old browser */ }
  }
  function start() {
    if (!tokenRequired) return connect();
    tokenFromFragment();
    var token = storedToken();
    if (!token) return askToken(false);
    setState('connecting');
    checkToken(token);
  }

  tokenForm.addEventListener('submit', function (event) {
    event.preventDefault();
    var token = tokenInput.value.trim();
    if (!token) return;
    setState('connecting');
    checkToken(token);
  });
  setInterval(refreshTimes, 1000);
  start();
})();
`;

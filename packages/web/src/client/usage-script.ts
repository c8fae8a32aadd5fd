// The usage page's inline script (plain ES2020, runs in the browser as is). Progressive enhancement of
// the GET form: copy buttons, choices kept in localStorage, and commands updated live from
// `<basePath>/api/commands?<query>` with the URL kept in step through history.replaceState.
// Written without backticks or `${`, so it sits in this template string unchanged.
export const USAGE_SCRIPT = `
(function () {
  'use strict';
  var form = document.getElementById('choices');
  if (!form || !window.fetch || !window.URLSearchParams || !window.FormData) return;
  var basePath = document.body.getAttribute('data-base-path') || '';
  var STORAGE_KEY = 'converge.usage';
  var KEY_FIELD = { github: 'user', paste: 'key', file: 'file' };
  var status = document.getElementById('update-status');
  var submit = form.querySelector('[data-submit]');
  var pending = null;
  var typingTimer = 0;
  var failed = false;

  /** The choices as a query: trimmed, without empty fields or the key fields not in use. */
  function formQuery() {
    var data = new FormData(form);
    var keys = data.get('keys');
    var query = new URLSearchParams();
    data.forEach(function (value, name) {
      if (typeof value !== 'string') return;
      var isKeyField = name === 'user' || name === 'key' || name === 'file';
      if (isKeyField && KEY_FIELD[keys] !== name) return;
      value = value.trim();
      if (value !== '') query.set(name, value);
    });
    return query;
  }

  function applyQuery(query) {
    query.forEach(function (value, name) {
      var field = form.elements.namedItem(name);
      if (field) field.value = value;
    });
  }

  function save(query) {
    try { localStorage.setItem(STORAGE_KEY, query.toString()); } catch (error) { /* storage may be off */ }
  }

  function stored() {
    try { return new URLSearchParams(localStorage.getItem(STORAGE_KEY) || ''); } catch (error) { return new URLSearchParams(); }
  }

  function guessOs() {
    var agent = navigator.userAgent || '';
    if (/Windows/.test(agent)) return 'windows';
    if (/Mac OS X|Macintosh/.test(agent) && !/iPhone|iPad/.test(agent)) return 'macos';
    return 'linux';
  }

  function announce(text) {
    if (status) status.textContent = text;
  }

  function setText(id, text) {
    var element = document.getElementById(id);
    if (element && element.textContent !== text) element.textContent = text;
  }

  /** A note's text with backticked spans shown as code, built from text nodes. */
  function noteItem(note) {
    var item = document.createElement('li');
    note.split('\\x60').forEach(function (part, index) {
      if (index % 2 === 1) {
        var code = document.createElement('code');
        code.textContent = part;
        item.appendChild(code);
      } else if (part) {
        item.appendChild(document.createTextNode(part));
      }
    });
    return item;
  }

  function showProblems(problems) {
    form.querySelectorAll('[data-problem-for]').forEach(function (slot) {
      var field = slot.getAttribute('data-problem-for');
      var problem = problems.filter(function (p) { return p.field === field; })[0];
      slot.textContent = problem ? problem.message : '';
      slot.hidden = !problem;
      var input = document.getElementById('field-' + field);
      if (!input) return;
      if (problem) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    });
  }

  function render(commands) {
    setText('job-title', commands.job.title);
    setText('job-code', commands.job.text);
    setText('connect-code', commands.connect.text);
    setText('config-path', commands.sshConfig.path);
    setText('config-code', commands.sshConfig.text);
    setText('config-connect', commands.sshConfig.connect);
    var notes = document.getElementById('notes');
    if (notes) notes.replaceChildren.apply(notes, commands.notes.map(noteItem));
    showProblems(commands.problems || []);
  }

  function update(announceDone) {
    var query = formQuery();
    var search = query.toString();
    history.replaceState(null, '', location.pathname + (search ? '?' + search : '') + location.hash);
    save(query);
    if (pending) pending.abort();
    var controller = new AbortController();
    pending = controller;
    fetch(basePath + '/api/commands?' + search, { signal: controller.signal, headers: { accept: 'application/json' } })
      .then(function (response) {
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.json();
      })
      .then(function (commands) {
        if (pending !== controller) return;
        failed = false;
        render(commands);
        if (announceDone) announce('Commands updated.');
      })
      .catch(function (error) {
        if (error && error.name === 'AbortError') return;
        failed = true;
        if (submit) submit.hidden = false;
        announce('Could not update the commands; press “Show my commands”.');
      });
  }

  form.addEventListener('change', function (event) {
    clearTimeout(typingTimer);
    update(event.target.type === 'radio');
  });
  form.addEventListener('input', function (event) {
    if (event.target.type !== 'text') return;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { update(false); }, 300);
  });
  form.addEventListener('submit', function (event) {
    if (failed) return; // let the browser load the page for these choices
    event.preventDefault();
    clearTimeout(typingTimer);
    update(true);
  });
  if (submit) submit.hidden = true;

  function flash(button, text) {
    var label = button.textContent;
    button.textContent = text;
    announce(text);
    setTimeout(function () { button.textContent = label; }, 1500);
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    return new Promise(function (resolve, reject) {
      var area = document.createElement('textarea');
      area.value = text;
      area.setAttribute('readonly', '');
      area.style.position = 'fixed';
      area.style.opacity = '0';
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand('copy'); } catch (error) { ok = false; }
      area.remove();
      if (ok) resolve(); else reject(new Error('copy refused'));
    });
  }

  document.querySelectorAll('[data-copy]').forEach(function (button) {
    var source = document.getElementById(button.getAttribute('data-copy'));
    if (!source) return;
    button.hidden = false;
    button.addEventListener('click', function () {
      copyText(source.textContent).then(
        function () { flash(button, 'Copied'); },
        function () {
          window.getSelection().selectAllChildren(source);
          flash(button, 'Press Ctrl+C');
        }
      );
    });
  });

  // Restore: stored choices fill what the URL leaves out; the URL wins where it says something.
  var fromUrl = new URLSearchParams(location.search);
  var wanted = stored();
  if (!wanted.has('os')) wanted.set('os', guessOs());
  fromUrl.forEach(function (value, name) { wanted.set(name, value); });
  var before = formQuery().toString();
  applyQuery(wanted);
  if (formQuery().toString() !== before) update(false);
  else save(formQuery());
})();
`;

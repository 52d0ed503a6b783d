// The zone's control panel: a page app over the gateway's JSON API (/api/...).
// No build step; the DOM is built with textContent only (nothing from the zone is
// ever parsed as HTML).

const state = { session: null, tab: 'nodes', path: '/', events: null, rendering: false, again: false };

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'on') for (const [event, handler] of Object.entries(value)) node.addEventListener(event, handler);
    else if (key === 'text') node.textContent = value;
    else if (value !== false && value !== undefined && value !== null) node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child);
  return node;
}

const $ = (id) => document.getElementById(id);

function bytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i += 1; }
  return `${i ? n.toFixed(1) : n} ${units[i]}`;
}

function say(text) { $('status').textContent = text; }

async function api(method, path, body, raw) {
  const headers = {};
  if (state.session) headers['X-CSRF-Token'] = state.session.csrf;
  let payload;
  if (raw !== undefined) { payload = raw; headers['Content-Type'] = 'application/octet-stream'; }
  else if (body !== undefined) { payload = JSON.stringify(body); headers['Content-Type'] = 'application/json'; }
  const response = await fetch(`/api/${path}`, { method, headers, body: payload, credentials: 'same-origin' });
  const type = response.headers.get('Content-Type') || '';
  const answer = type.startsWith('application/json') ? await response.json() : await response.blob();
  if (response.status === 401 && path !== 'login') { signedOut(); throw new Error('signed out: sign in again'); }
  if (!response.ok) throw new Error(answer.error || `${response.status}`);
  return answer;
}

function query(path, params) {
  const search = new URLSearchParams(params).toString();
  return search ? `${path}?${search}` : path;
}

function signedOut() {
  state.session = null;
  if (state.events) { state.events.close(); state.events = null; }
  $('tabs').hidden = true; $('who').hidden = true; $('view').hidden = true; $('signin').hidden = false;
}

function signedIn(session) {
  state.session = session;
  $('zone-name').textContent = `Zone ${session.zone}`;
  $('who-name').textContent = `${session.user} (${session.role})`;
  $('signin').hidden = true; $('tabs').hidden = false; $('who').hidden = false; $('view').hidden = false;
  const next = new URLSearchParams(location.hash.split('?')[1] || '').get('app');
  if (next) { location.href = query('/api/open', { app: next }); return; }
  if (!state.events) {
    state.events = new EventSource('/api/events');
    // Views with forms are left alone: a refresh would drop what is being typed.
    state.events.addEventListener('zone', () => {
      if (state.tab === 'nodes') render();
      if (state.tab === 'apps') refreshApps();
    });
  }
  route();
}

async function signIn(event) {
  event.preventDefault();
  $('signin-error').textContent = '';
  try {
    const session = await api('POST', 'login', { user: $('signin-user').value, password: $('signin-password').value });
    $('signin-password').value = '';
    signedIn(session);
  } catch (error) {
    $('signin-error').textContent = error.message;
  }
}

async function signOut() {
  try { await api('POST', 'logout', {}); } catch (error) { /* signed out either way */ }
  signedOut();
  location.hash = '';
}

function route() {
  const [tab, search] = (location.hash.slice(1) || 'nodes').split('?');
  state.tab = ['nodes', 'apps', 'files', 'users'].includes(tab) ? tab : 'nodes';
  state.path = new URLSearchParams(search || '').get('path') || '/';
  for (const link of document.querySelectorAll('nav a')) link.classList.toggle('active', link.dataset.tab === state.tab);
  render();
}

// One render at a time; events that come meanwhile render once more after it.
async function render() {
  if (!state.session) return;
  if (state.rendering) { state.again = true; return; }
  state.rendering = true;
  try {
    const view = await views[state.tab]();
    $('view').replaceChildren(view);
    say(`updated ${new Date().toLocaleTimeString()}`);
  } catch (error) {
    say(error.message);
  } finally {
    state.rendering = false;
    if (state.again) { state.again = false; render(); }
  }
}

async function nodesView() {
  const { nodes, zone_state: zone } = await api('GET', 'nodes');
  const health = el('div', { class: 'card', id: 'zone-health' },
    el('h3', { text: 'Zone state' }),
    el('div', { text: `leader ${zone.leader || 'none'} · revision ${zone.revision}` }),
    el('div', { class: 'muted', text: zone.replicas.map((r) => r.error ? `${r.node}: ${r.error}` : `${r.node} ${r.role} lag ${r.lag}`).join(' · ') }));
  const cards = nodes.map((node) => el('div', { class: 'card node', 'data-node': node.node },
    el('h3', {}, el('span', { text: node.node }), el('span', { class: node.up ? 'up' : 'down', text: node.up ? 'up' : 'down' })),
    el('div', { class: 'muted', text: `${{ state: 'zone-state replica', gateway: 'gateway node (relay)' }[node.role] || 'zone-state client'} · ${node.address}` }),
    node.up ? el('div', { text: `actors ${node.actors_running} running · restarts ${node.restarts} · budget ${node.restart_budget}` }) : el('div', { class: 'down', text: node.error || '' }),
    node.disk ? el('div', { text: `disk: ${bytes(node.disk.used_bytes)} in ${node.disk.chunks} chunks, ${bytes(node.disk.room_bytes)} room` }) : null,
    el('div', { text: `services: ${node.services.map((s) => `${s.service} (${s.state})`).join(', ') || 'none'}` })));
  return el('div', {}, el('h2', { text: `Nodes (${nodes.filter((n) => n.up).length} of ${nodes.length} up)` }),
    el('div', { class: 'cards' }, health, cards));
}

function appRows(apps) {
  return apps.map((app) => el('tr', { 'data-app': app.name },
    el('td', { text: app.name }),
    el('td', { text: `${app.version || app.error || ''}${app.public ? ' (public)' : ''}` }),
    el('td', { text: app.stopped ? 'stopped' : (app.instances || []).map((i) => `${i.node}: ${i.state}`).join(', ') || 'not placed' }),
    el('td', { text: app.grants ? [...app.grants.folders.map((f) => `${f.path}${f.write ? '' : ' (read)'}`), app.grants.network ? 'network' : null].filter(Boolean).join(', ') || 'nothing' : '' }),
    el('td', {},
      el('a', { href: query('/api/open', { app: app.name }), class: 'open-app', text: 'Open' }), ' ',
      el('button', { type: 'button', class: 'public-app', on: { click: async () => {
        try { say((await api('POST', 'apps/public', { name: app.name, public: !app.public })).done); refreshApps(); } catch (error) { say(error.message); }
      } } }, app.public ? 'Make private' : 'Make public'), ' ',
      el('button', { type: 'button', class: 'run-app', on: { click: async () => {
        try { say((await api('POST', 'apps/run', { name: app.name, run: !!app.stopped })).done); refreshApps(); } catch (error) { say(error.message); }
      } } }, app.stopped ? 'Start' : 'Stop'), ' ',
      el('button', { type: 'button', class: 'remove-app', on: { click: async () => {
        if (!confirm(`Remove ${app.name}? Its data stays.`)) return;
        try { say((await api('POST', 'apps/remove', { name: app.name })).done); refreshApps(); } catch (error) { say(error.message); }
      } } }, 'Remove'))));
}

// The installed apps' table alone: the store and a consent screen stay as they are.
async function refreshApps() {
  const body = $('apps-body');
  if (!body) return;
  try { body.replaceChildren(...appRows((await api('GET', 'apps')).apps)); } catch (error) { say(error.message); }
}

async function appsView() {
  const { apps } = await api('GET', 'apps');
  const word = el('input', { placeholder: 'search the store', id: 'store-search' });
  const results = el('div', { id: 'store-results' });
  const consent = el('div', { id: 'consent' });
  const search = async () => {
    try {
      const found = await api('GET', query('repo', { q: word.value }));
      results.replaceChildren(...found.packages.map((p) => el('div', { class: 'card store-item', 'data-package': p.name },
        el('h3', {}, el('span', { text: `${p.name} ${p.version}` }), el('span', { class: 'muted', text: p.repo })),
        el('div', { text: p.description }),
        el('button', { type: 'button', class: 'primary install-app', on: { click: () => offer(p.name, consent) } }, 'Install…'))),
        ...found.problems.map((problem) => el('p', { class: 'error', text: problem })));
      if (!found.packages.length) results.append(el('p', { class: 'muted', text: 'nothing found' }));
    } catch (error) { say(error.message); }
  };
  return el('div', {}, el('h2', { text: 'Apps' }),
    el('table', {}, el('thead', {}, el('tr', {}, ...['App', 'Version', 'Runs on', 'Granted', ''].map((h) => el('th', { text: h })))),
      el('tbody', { id: 'apps-body' }, appRows(apps))),
    el('h2', { text: 'Store' }),
    el('div', { class: 'toolbar' }, word, el('button', { type: 'button', id: 'store-button', on: { click: search } }, 'Search')),
    consent, results);
}

// What a package asks, each ask a checkbox left unticked: only what is ticked is granted.
async function offer(name, where) {
  say(`fetching ${name}…`);
  try {
    const offer = await api('GET', query('apps/offer', { name }));
    const boxes = offer.asks.map((ask, i) => el('input', { type: 'checkbox', id: `ask-${i}`, class: 'ask' }));
    where.replaceChildren(el('div', { class: 'consent', 'data-offer': offer.name },
      el('h3', { text: `Install ${offer.name} ${offer.version}?` }),
      el('p', { class: 'muted', text: `${offer.description} · publisher ${offer.publisher.slice(0, 12)}… · ${bytes(offer.size_bytes)}` }),
      offer.installed ? el('p', { class: 'error', text: `version ${offer.installed} is installed already` }) : null,
      offer.asks.length ? el('p', { text: 'It asks to:' }) : el('p', { text: 'It asks for nothing beyond its own folder.' }),
      ...offer.asks.map((ask, i) => el('label', {}, boxes[i], ` ${ask}`)),
      el('button', { type: 'button', class: 'primary', id: 'consent-install', on: { click: async () => {
        say(`installing ${offer.name}…`);
        try {
          const done = await api('POST', 'apps/install', { name: offer.name, content_id: offer.content_id, answers: boxes.map((b) => b.checked) });
          where.replaceChildren(el('p', { id: 'installed', text: `${done.name} ${done.version} installed; granted: ${done.granted}` }));
          refreshApps();
        } catch (error) { say(error.message); }
      } } }, 'Install'), ' ',
      el('button', { type: 'button', on: { click: () => where.replaceChildren() } }, 'Cancel')));
    say('');
  } catch (error) { say(error.message); }
}

function join(dir, name) { return dir === '/' ? `/${name}` : `${dir}/${name}`; }

async function filesView() {
  const dir = state.path;
  const { entries, truncated } = await api('GET', query('files/list', { path: dir }));
  const parent = dir === '/' ? null : dir.slice(0, dir.lastIndexOf('/')) || '/';
  const upload = el('input', { type: 'file', id: 'upload-file' });
  const folder = el('input', { placeholder: 'new folder', id: 'new-folder' });
  const toolbar = el('div', { class: 'toolbar' },
    el('span', { class: 'path', id: 'files-path', text: dir }),
    parent ? el('a', { href: `#files?path=${encodeURIComponent(parent)}`, text: '↑ up' }) : null,
    upload,
    el('button', { type: 'button', id: 'upload-button', on: { click: async () => {
      const file = upload.files[0];
      if (!file) return say('choose a file first');
      say(`uploading ${file.name}…`);
      try { await api('PUT', query('files/put', { path: join(dir, file.name) }), undefined, file); say(`${file.name} uploaded`); render(); }
      catch (error) { say(`upload failed: ${error.message}`); }
    } } }, 'Upload'),
    folder,
    el('button', { type: 'button', id: 'mkdir-button', on: { click: async () => {
      if (!folder.value) return;
      try { await api('POST', query('files/mkdir', { path: join(dir, folder.value) }), {}); render(); }
      catch (error) { say(error.message); }
    } } }, 'Create folder'));
  const rows = entries.map((entry) => {
    const path = join(dir, entry.name);
    const name = entry.kind === 'directory'
      ? el('a', { href: `#files?path=${encodeURIComponent(path)}`, text: `${entry.name}/` })
      : el('a', { href: query('/api/files/get', { path }), download: entry.name, text: entry.name });
    return el('tr', { 'data-name': entry.name }, el('td', {}, name), el('td', { text: entry.kind }),
      el('td', { text: entry.kind === 'file' ? bytes(entry.size_bytes) : '' }));
  });
  return el('div', {}, el('h2', { text: 'Files' }), toolbar,
    el('table', { id: 'files-table' }, el('tbody', {}, rows)),
    truncated ? el('p', { class: 'muted', text: 'more entries than shown' }) : null);
}

async function usersView() {
  const me = state.session;
  const password = el('input', { type: 'password', id: 'own-password', placeholder: 'new password', autocomplete: 'new-password' });
  const own = el('div', { class: 'card' }, el('h3', { text: `Your password (${me.user})` }), password,
    el('button', { type: 'button', on: { click: async () => {
      try { await api('POST', 'users/passwd', { name: me.user, password: password.value }); password.value = ''; say('password changed'); }
      catch (error) { say(error.message); }
    } } }, 'Change'));
  if (me.role !== 'owner') return el('div', {}, el('h2', { text: 'Users' }), own);
  const { users } = await api('GET', 'users');
  const name = el('input', { placeholder: 'name', id: 'new-user' });
  const role = el('select', { id: 'new-role' }, ...['writer', 'reader', 'admin'].map((r) => el('option', { value: r, text: r })));
  const first = el('input', { type: 'password', placeholder: 'password', id: 'new-password', autocomplete: 'new-password' });
  const rows = users.map((user) => el('tr', { 'data-user': user.name }, el('td', { text: user.name }), el('td', { text: user.role }),
    el('td', {}, el('button', { type: 'button', on: { click: async () => {
      const next = prompt(`New password for ${user.name} (their old key files stop working)`);
      if (!next) return;
      try { await api('POST', 'users/passwd', { name: user.name, password: next }); say(`${user.name}'s password reset`); }
      catch (error) { say(error.message); }
    } } }, 'Reset password'), ' ',
    el('button', { type: 'button', on: { click: async () => {
      if (!confirm(`Remove ${user.name}?`)) return;
      try { await api('POST', 'users/remove', { name: user.name }); render(); } catch (error) { say(error.message); }
    } } }, 'Remove'))));
  return el('div', {}, el('h2', { text: 'Users' }), own,
    el('div', { class: 'toolbar' }, name, role, first, el('button', { type: 'button', class: 'primary', on: { click: async () => {
      try { await api('POST', 'users/add', { name: name.value, role: role.value, password: first.value }); render(); }
      catch (error) { say(error.message); }
    } } }, 'Add user')),
    el('table', {}, el('tbody', {}, rows)));
}

const views = { nodes: nodesView, apps: appsView, files: filesView, users: usersView };

window.addEventListener('hashchange', () => { if (state.session) route(); });
$('signin-form').addEventListener('submit', signIn);
$('sign-out').addEventListener('click', signOut);

fetch('/api/session', { credentials: 'same-origin' })
  .then((response) => (response.ok ? response.json() : null))
  .then((session) => (session ? signedIn(session) : signedOut()))
  .catch(() => signedOut());

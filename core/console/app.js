// The sluice console: a page per hash route, everything through the worker's REST API
// (same origin, the browser's credentials). No build step, no CDN: Leaflet is served from
// the console's node_modules (/ui/vendor/leaflet/).
'use strict';

const state = { role: 'viewer', timer: null, source: null };

async function api(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) { init.headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); }
  const r = await fetch(path, init);
  const role = r.headers.get('X-Sluice-Role');
  if (role) state.role = role;
  const text = await r.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
  if (!r.ok) throw new Error((json && json.message) || (r.status + ' ' + text));
  return json;
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function stop() {
  if (state.timer) clearInterval(state.timer);
  if (state.source) state.source.close();
  state.timer = null; state.source = null;
}

// ---- Connectors -------------------------------------------------------------------------
const actions = [
  ['Pause', 'PUT', n => `/connectors/${n}/pause`],
  ['Resume', 'PUT', n => `/connectors/${n}/resume`],
  ['Stop', 'PUT', n => `/connectors/${n}/stop`],
  ['Restart', 'POST', n => `/connectors/${n}/restart?includeTasks=true&onlyFailed=true`],
  ['Delete', 'DELETE', n => `/connectors/${n}`],
];

// Records per second and errors per connector, from the worker's own /metrics
// (sluice_records_produced_total for sources, sluice_records_written_total for sinks).
const history = new Map();  // connector -> {t: [], rate: [], last, errors}
async function sampleMetrics() {
  let text;
  try { text = await (await fetch('/metrics')).text(); } catch (e) { return; }
  const totals = new Map(), errors = new Map();
  for (const line of text.split('\n')) {
    const m = /^sluice_(records_produced_total|records_written_total|records_errored_total)\{([^}]*)\}\s+([0-9.e+]+)/.exec(line);
    if (!m) continue;
    const c = /connector="([^"]*)"/.exec(m[2]);
    if (!c) continue;
    const into = m[1] === 'records_errored_total' ? errors : totals;
    into.set(c[1], (into.get(c[1]) || 0) + Number(m[3]));
  }
  const now = Date.now() / 1000;
  for (const [name, total] of totals) {
    const h = history.get(name) || { t: [], rate: [], last: null, errors: 0 };
    if (h.last) {
      h.t.push(now);
      h.rate.push(Math.max(0, (total - h.last.total) / (now - h.last.time)));
      while (h.t.length && h.t[0] < now - 300) { h.t.shift(); h.rate.shift(); }  // the last 5 minutes
    }
    h.last = { total, time: now };
    h.errors = errors.get(name) || 0;
    history.set(name, h);
  }
}

function chart(name) {
  const h = history.get(name);
  const box = el('div', { class: 'chart', 'data-chart': name });
  if (!h || h.t.length < 2 || typeof uPlot === 'undefined') return box;
  const rate = h.rate[h.rate.length - 1];
  box.append(el('div', {}, `${rate.toFixed(0)} records/s` + (h.errors ? `, ${h.errors} errors` : '')));
  new uPlot({ width: 220, height: 60, legend: { show: false }, cursor: { show: false },
              axes: [{ show: false }, { show: false }], series: [{}, { stroke: '#176b2c', width: 1 }] },
            [h.t, h.rate], box);
  return box;
}

async function connectorsPage(page) {
  const table = el('table', { id: 'connectors' });
  const message = el('p', { id: 'message' });
  page.append(message, table);
  async function refresh() {
    await sampleMetrics();
    let all;
    try { all = await api('GET', '/connectors?expand=status&expand=info'); } catch (e) { message.textContent = e.message; message.className = 'error'; return; }
    document.getElementById('who').textContent = 'role: ' + state.role;
    const rows = [el('tr', {}, el('th', {}, 'Connector'), el('th', {}, 'Type'), el('th', {}, 'State'), el('th', {}, 'Tasks'), el('th', {}, 'Worker'), el('th', {}, ''), el('th', {}, 'Records/s (5 min)'))];
    for (const [name, c] of Object.entries(all || {}).sort()) {
      const s = c.status || {};
      const conn = s.connector || {};
      const tasks = (s.tasks || []).map(t => el('div', {}, el('span', { class: 'state ' + t.state }, `${t.id}: ${t.state}`), t.trace ? el('pre', { class: 'trace' }, t.trace) : ''));
      const buttons = el('td', {});
      if (state.role === 'admin') {
        for (const [label, method, path] of actions) {
          buttons.append(el('button', { 'data-action': label.toLowerCase(), onclick: async () => {
            if (!confirm(`${label} connector ${name}?`)) return;
            try { await api(method, path(encodeURIComponent(name))); message.textContent = `${label}: ${name}`; message.className = ''; } catch (e) { message.textContent = e.message; message.className = 'error'; }
            refresh();
          } }, label));
        }
      }
      buttons.append(el('a', { href: `#/tap/${encodeURIComponent(name)}` }, 'records'), ' ',
                     el('a', { href: `#/offsets/${encodeURIComponent(name)}` }, 'offsets'));
      rows.push(el('tr', { 'data-connector': name },
        el('td', {}, name), el('td', {}, s.type || ''), el('td', {}, el('span', { class: 'state ' + conn.state }, conn.state || '')),
        el('td', {}, ...tasks), el('td', {}, conn.worker_id || ''), buttons, el('td', {}, chart(name))));
    }
    table.replaceChildren(...rows);
  }
  await refresh();
  state.timer = setInterval(refresh, 1000);
}

// ---- Create: a form per plugin from its config definitions ------------------------------
async function createPage(page) {
  const select = el('select', { id: 'create-plugin' }, el('option', { value: '' }, 'plugin…'));
  const form = el('form', { id: 'create-form' });
  const message = el('p', { id: 'create-message' });
  page.append(el('div', { class: 'controls' }, select), form, message);
  const plugins = await api('GET', '/connector-plugins?connectorsOnly=true');
  for (const p of plugins) select.append(el('option', { value: p.class }, `${p.class} (${p.type})`));
  select.addEventListener('change', async () => {
    form.replaceChildren();
    message.textContent = '';
    if (!select.value) return;
    const plugin = plugins.find(p => p.class === select.value);
    // The plugin's own keys, after those every connector has (validate knows them all).
    const common = [
      { name: 'name', type: 'STRING', required: true, default_value: null, documentation: 'Globally unique name of the connector' },
      plugin.type === 'source'
        ? { name: 'topic', type: 'STRING', required: true, default_value: null, documentation: 'The topic the source writes' }
        : { name: 'topics', type: 'LIST', required: true, default_value: null, documentation: 'The topics the sink reads (comma-separated)' },
      { name: 'tasks.max', type: 'LONG', required: false, default_value: '1', documentation: 'Maximum number of tasks' },
    ];
    const defs = common.concat(await api('GET', `/connector-plugins/${encodeURIComponent(select.value)}/config`));
    const rows = [];
    for (const d of defs) {
      if (d.name === 'connector.class') continue;
      const input = el('input', { name: d.name, id: 'key-' + d.name, type: d.type === 'PASSWORD' ? 'password' : 'text',
                                  placeholder: d.default_value === null ? (d.required ? 'required' : '') : String(d.default_value), title: d.documentation });
      rows.push(el('tr', {}, el('th', {}, el('label', { for: 'key-' + d.name }, d.name)), el('td', {}, input),
                   el('td', {}, el('span', { class: 'error', 'data-error-for': d.name })), el('td', {}, el('small', {}, d.documentation))));
    }
    const config = () => {
      const c = { 'connector.class': select.value };
      for (const i of form.querySelectorAll('input')) if (i.value !== '') c[i.name] = i.value;
      return c;
    };
    // The validate endpoint's errors, each beside its key.
    const showErrors = async () => {
      for (const e of form.querySelectorAll('[data-error-for]')) e.textContent = '';
      const v = await api('PUT', `/connector-plugins/${encodeURIComponent(select.value)}/config/validate`, config());
      for (const c of v.configs || []) {
        const span = form.querySelector(`[data-error-for="${CSS.escape(c.value.name)}"]`);
        if (span && c.value.errors.length) span.textContent = c.value.errors.join('; ');
      }
      return v.error_count;
    };
    form.append(el('table', {}, ...rows),
      el('button', { type: 'button', id: 'create-validate', onclick: () => showErrors().catch(e => { message.textContent = e.message; }) }, 'Validate'),
      el('button', { type: 'submit', id: 'create-submit' }, 'Create'));
    form.onsubmit = async ev => {
      ev.preventDefault();
      const c = config();
      try {
        await api('POST', '/connectors', { name: c.name, config: c });
        location.hash = '#/connectors';
      } catch (e) {
        message.textContent = e.message;
        message.className = 'error';
        await showErrors().catch(() => {});
      }
    };
  });
}

// ---- Pipelines: the YAML editor ----------------------------------------------------------
// PUT /pipelines/{name} with the text as it is; a refused file comes back with every error's
// line and column, listed under the editor and marked in its line-number gutter.
async function pipelinesPage(page, name) {
  const list = el('ul', { id: 'pipelines' });
  const nameInput = el('input', { id: 'pipeline-name', placeholder: 'pipeline name', value: name || '' });
  const gutter = el('pre', { class: 'gutter', id: 'pipeline-gutter' });
  const editor = el('textarea', { id: 'pipeline-yaml', spellcheck: 'false', rows: '22',
                                  placeholder: 'name: traffic\nsource:\n  name: gen\n  plugin: datagen\n  topic: traffic.readings\n  config: {rate: 10}' });
  const errors = el('ul', { id: 'pipeline-errors', class: 'error' });
  const message = el('p', { id: 'pipeline-message' });
  const marked = new Set();
  const drawGutter = () => {
    const n = editor.value.split('\n').length;
    gutter.replaceChildren(...Array.from({ length: n }, (_, i) =>
      el('span', { class: marked.has(i + 1) ? 'bad' : '', 'data-line': String(i + 1) }, String(i + 1) + '\n')));
    gutter.scrollTop = editor.scrollTop;
  };
  editor.addEventListener('input', () => { marked.clear(); drawGutter(); });
  editor.addEventListener('scroll', () => { gutter.scrollTop = editor.scrollTop; });
  const goTo = (line, column) => {
    const lines = editor.value.split('\n');
    let at = 0;
    for (let i = 0; i < line - 1 && i < lines.length; ++i) at += lines[i].length + 1;
    at += Math.max(0, column - 1);
    editor.focus();
    editor.setSelectionRange(at, at);
  };
  const save = async () => {
    errors.replaceChildren(); message.textContent = ''; marked.clear();
    const target = nameInput.value.trim();
    if (!target) { message.textContent = 'give the pipeline a name'; return; }
    const r = await fetch('/pipelines/' + encodeURIComponent(target),
                          { method: 'PUT', headers: { 'Content-Type': 'application/yaml' }, body: editor.value });
    const json = await r.json().catch(() => null);
    if (r.ok) {
      message.textContent = `pipeline ${target} ${r.status === 201 ? 'created' : 'replaced'}: ` +
        ((json && json.connectors) || []).map(c => c.name).join(', ');
      list.replaceChildren(); loadList();
    } else {
      message.textContent = (json && json.message ? json.message.split('\n')[0] : r.status + '');
      for (const e of (json && json.errors) || []) {
        if (e.line > 0) marked.add(e.line);
        const where = e.line > 0 ? `line ${e.line}, column ${e.column}` : 'file';
        errors.append(el('li', { 'data-line': String(e.line), onclick: () => goTo(e.line, e.column) },
                         `${where}: ${e.key ? e.key + ': ' : ''}${e.message}`));
      }
    }
    drawGutter();
  };
  const loadList = async () => {
    for (const p of await api('GET', '/pipelines'))
      list.append(el('li', {}, el('a', { href: '#/pipelines/' + encodeURIComponent(p) }, p)));
  };
  await loadList();  // also tells the role (X-Sluice-Role): only an admin gets the button
  const actions = state.role === 'admin'
    ? [el('button', { type: 'button', id: 'pipeline-save', onclick: () => save().catch(e => { message.textContent = e.message; }) }, 'Save (PUT)')]
    : [];
  page.append(el('div', { class: 'controls' }, nameInput, ...actions),
              el('div', { class: 'editor' }, gutter, editor), errors, message, el('h3', {}, 'Pipelines'), list);
  drawGutter();
}

// ---- Plugins and offsets ----------------------------------------------------------------
async function pluginsPage(page) {
  const list = el('div', { id: 'plugins' });
  page.append(list);
  for (const p of await api('GET', '/connector-plugins?connectorsOnly=false')) {
    const details = el('details', { 'data-plugin': p.class }, el('summary', {}, `${p.class} (${p.type} ${p.version})`));
    details.addEventListener('toggle', async () => {
      if (!details.open || details.querySelector('table')) return;
      const defs = await api('GET', `/connector-plugins/${encodeURIComponent(p.class)}/config`);
      details.append(el('table', {}, el('tr', {}, el('th', {}, 'key'), el('th', {}, 'type'), el('th', {}, 'default'), el('th', {}, 'documentation')),
        ...defs.map(d => el('tr', { 'data-key': d.name }, el('td', {}, d.name), el('td', {}, d.type + (d.required ? ', required' : '')),
                                el('td', {}, d.default_value === null ? '' : String(d.default_value)), el('td', {}, d.documentation)))));
    });
    list.append(details);
  }
}

async function offsetsPage(page, name) {
  page.append(el('h3', {}, `Offsets of ${name}`));
  try {
    const o = await api('GET', `/connectors/${encodeURIComponent(name)}/offsets`);
    page.append(el('table', { id: 'offsets' }, el('tr', {}, el('th', {}, 'partition'), el('th', {}, 'offset')),
      ...(o.offsets || []).map(x => el('tr', {}, el('td', {}, JSON.stringify(x.partition)), el('td', {}, JSON.stringify(x.offset))))));
  } catch (e) {
    page.append(el('p', { class: 'error' }, e.message));
  }
}

// ---- Live records -----------------------------------------------------------------------
function tapPage(page, name) {
  const input = el('input', { id: 'tap-connector', placeholder: 'connector', value: name || '' });
  const filter = el('input', { id: 'tap-filter', placeholder: 'filter (text)' });
  const pause = el('button', { id: 'tap-pause' }, 'Pause');
  const info = el('span', { id: 'tap-info' });
  const list = el('div', { id: 'records' });
  let paused = false, count = 0, lost = 0;
  pause.addEventListener('click', () => { paused = !paused; pause.textContent = paused ? 'Resume' : 'Pause'; });
  page.append(el('div', { class: 'controls' }, input, el('button', { onclick: () => { location.hash = '#/tap/' + encodeURIComponent(input.value); } }, 'Watch'), filter, pause, info), list);
  if (!name) return;
  state.source = new EventSource(`/connectors/${encodeURIComponent(name)}/tap?max_rate=50`);
  const onEvent = ev => {
    const r = JSON.parse(ev.data);
    lost += (r.dropped || 0) + (r.rate_limited || 0);
    if (ev.type !== 'record') return;
    count++;
    info.textContent = `${count} records, ${lost} not shown (client behind or over the rate)`;
    if (paused) return;
    const text = `${r.topic}[${r.partition}]@${r.offset} ${new Date(r.timestamp).toISOString()} key=${JSON.stringify(r.key)} ${JSON.stringify(r.value)}`;
    if (filter.value && !text.includes(filter.value)) return;
    list.prepend(el('div', { class: 'record' }, text));
    while (list.childElementCount > 200) list.lastChild.remove();
  };
  state.source.addEventListener('record', onEvent);
  state.source.addEventListener('dropped', onEvent);
}

// ---- Map --------------------------------------------------------------------------------
const palette = ['#4575b4', '#984ea3', '#a6761d', '#e7298a', '#66c2a5', '#fc8d62', '#8da0cb', '#999999'];
const noValue = '#cccccc';
// Traffic states of the portals we serve keep the colours people expect (Bordeaux etat,
// Rennes trafficstatus, Paris etat_trafic); other values take the palette in order of arrival.
const known = {
  FLUIDE: '#1a9850', freeFlow: '#1a9850', Fluide: '#1a9850',
  DENSE: '#fdae61', heavy: '#fdae61', 'Pré-saturé': '#fdae61',
  EMBOUTEILLE: '#d73027', SATURE: '#d73027', congested: '#d73027', 'Saturé': '#d73027',
  PARALYSE: '#7f0000', impossible: '#7f0000', 'Bloqué': '#7f0000',
  INCONNU: '#aaaaaa', unknown: '#aaaaaa', Inconnu: '#aaaaaa',
};

// A field of a record, its name matched ignoring case when the exact spelling is absent
// (portals and their CSV exports spell trafficStatus / trafficstatus both ways).
function fieldOf(v, name) {
  if (!v || typeof v !== 'object' || !name) return undefined;
  if (name in v) return v[name];
  const lower = name.toLowerCase();
  const k = Object.keys(v).find(x => x.toLowerCase() === lower);
  return k === undefined ? undefined : v[k];
}

const geometryTypes = new Set(['Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon', 'GeometryCollection']);
// GeoJSON geometry out of a geo_shape value: a geometry, a Feature, or either as JSON text.
function shapeOf(s) {
  if (typeof s === 'string') { try { s = JSON.parse(s); } catch (e) { return null; } }
  if (s && typeof s === 'object' && s.type === 'Feature') s = s.geometry;
  if (!s || typeof s !== 'object' || !geometryTypes.has(s.type)) return null;
  return s.type === 'GeometryCollection' ? (Array.isArray(s.geometries) ? s : null) : (Array.isArray(s.coordinates) ? s : null);
}
// A point out of geo_point_2d: {lat, lon} (Explore v2.1), [lat, lon] (Search v1) or "lat, lon" (CSV).
function pointOf(p) {
  let lat, lon;
  if (Array.isArray(p)) [lat, lon] = p;
  else if (typeof p === 'string') [lat, lon] = p.split(',');
  else if (p && typeof p === 'object') ({ lat, lon } = p);
  return point(lat, lon);
}
function point(lat, lon) {
  if (lat === null || lon === null || lat === undefined || lon === undefined || lat === '' || lon === '') return null;
  lat = Number(lat); lon = Number(lon);
  if (!isFinite(lat) || !isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
  return { type: 'Point', coordinates: [lon, lat] };
}

// A record's geometry as GeoJSON: geo_shape, else geometry (Search v1 records), else
// geo_point_2d, else the latitude/longitude fields.
function geometryOf(v, latField, lonField) {
  if (!v || typeof v !== 'object') return null;
  return shapeOf(fieldOf(v, 'geo_shape')) || shapeOf(fieldOf(v, 'geometry')) ||
         pointOf(fieldOf(v, 'geo_point_2d')) || point(fieldOf(v, latField), fieldOf(v, lonField));
}

// Numbers on a red (low) to green (high) scale over the values drawn; a field written
// "-name" reverses it (occupancy, where high is bad).
function scaleColour(value, [lo, hi], reversed) {
  let t = hi > lo ? (value - lo) / (hi - lo) : 0.5;
  if (reversed) t = 1 - t;
  return `hsl(${Math.round(120 * t)}, 80%, 40%)`;
}

function mapPage(page, name) {
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const input = el('input', { id: 'map-connector', placeholder: 'connector', value: name || '' });
  const colour = el('input', { id: 'map-colour', placeholder: 'colour by field', title: 'a field; -field reverses a number scale', value: params.get('colour') || '' });
  const lat = el('input', { id: 'map-lat', placeholder: 'latitude field', value: params.get('lat') || 'lat' });
  const lon = el('input', { id: 'map-lon', placeholder: 'longitude field', value: params.get('lon') || 'lon' });
  const tiles = el('input', { id: 'map-tiles', placeholder: 'tile URL (optional)', value: params.get('tiles') || '' });
  const info = el('span', { id: 'map-info' });
  const lost = el('span', { id: 'map-lost' });
  const query = () => `colour=${encodeURIComponent(colour.value)}&lat=${encodeURIComponent(lat.value)}&lon=${encodeURIComponent(lon.value)}&tiles=${encodeURIComponent(tiles.value)}`;
  const go = () => { location.hash = `#/map/${encodeURIComponent(input.value)}?${query()}`; };
  page.append(el('div', { class: 'controls' }, input, colour, lat, lon, tiles, el('button', { onclick: go }, 'Show'), info, lost), el('div', { id: 'map' }));
  // SVG paths (not a canvas): each drawn record is an element, its colour an attribute.
  const map = L.map('map').setView([44.84, -0.58], 11);
  if (tiles.value) L.tileLayer(tiles.value, { maxZoom: 19 }).addTo(map);
  if (!name) return;
  const drawn = new Map();    // JSON of the key -> {layer, value}
  let colours = new Map();    // category -> colour
  let range = [Infinity, -Infinity];
  let newKeys = false, restyle = false, scheduled = null, missed = 0;
  const group = L.featureGroup().addTo(map);
  const legend = L.control({ position: 'bottomright' });
  legend.onAdd = () => L.DomUtil.create('div', 'legend');
  legend.addTo(map);
  const field = () => colour.value.replace(/^-/, '');
  const colourOf = value => {
    if (!field()) return '#3366cc';
    if (value === undefined || value === null || value === '') return noValue;
    if (typeof value === 'number') return scaleColour(value, range, colour.value.startsWith('-'));
    const k = typeof value === 'object' ? JSON.stringify(value) : String(value);
    if (!colours.has(k)) colours.set(k, known[k] || palette[[...colours.keys()].filter(c => !known[c]).length % palette.length]);
    return colours.get(k);
  };
  // Widens the number range to a value; the drawn records are recoloured when it moved.
  const widen = value => {
    if (typeof value !== 'number' || !isFinite(value)) return;
    if (value < range[0]) { range[0] = value; restyle = true; }
    if (value > range[1]) { range[1] = value; restyle = true; }
  };
  const styleOf = c => ({ color: c, fillColor: c });
  const drawLegend = () => {
    const counts = new Map();
    let numbers = 0, none = 0;
    for (const d of drawn.values()) {
      const v = fieldOf(d.value, field());
      if (typeof v === 'number') numbers++;
      else if (v === undefined || v === null || v === '') none++;
      else { const k = typeof v === 'object' ? JSON.stringify(v) : String(v); counts.set(k, (counts.get(k) || 0) + 1); }
    }
    const div = legend.getContainer();
    div.replaceChildren(el('strong', {}, colour.value || 'records'));
    if (!field()) return;
    for (const [k, c] of colours) {
      if (!counts.get(k)) continue;
      div.append(el('div', { 'data-category': k, 'data-count': String(counts.get(k)), 'data-colour': c }, el('i', { style: `background:${c}` }), `${k} (${counts.get(k)})`));
    }
    if (numbers) {
      const [a, b] = colour.value.startsWith('-') ? ['green', 'red'] : ['red', 'green'];
      div.append(el('div', { class: 'scale', 'data-min': String(range[0]), 'data-max': String(range[1]), 'data-count': String(numbers) },
                    el('i', { class: 'ramp' }), `${range[0]} (${a}) … ${range[1]} (${b}), ${numbers} records`));
    }
    if (none) div.append(el('div', { 'data-category': '', 'data-count': String(none), 'data-colour': noValue }, el('i', { style: `background:${noValue}` }), `no value (${none})`));
  };
  // Drawing waits for a pause in the stream (at most 150 ms): one legend, one recolouring
  // and one framing per burst of records, not one per record.
  const render = () => {
    scheduled = null;
    if (restyle) for (const d of drawn.values()) d.layer.setStyle(styleOf(colourOf(fieldOf(d.value, field()))));
    restyle = false;
    info.textContent = `${drawn.size} keys drawn`;
    lost.textContent = missed ? `, ${missed} records not received (over the tap's rate or buffer)` : '';
    drawLegend();
    // Frame the data while new keys appear (not later: the user may have moved the map).
    if (newKeys) { try { map.fitBounds(group.getBounds(), { maxZoom: 14, padding: [20, 20] }); } catch (e) { /* empty bounds */ } }
    newKeys = false;
  };
  const schedule = () => { if (!scheduled) scheduled = setTimeout(render, 150); };
  // Another colour field (Enter, or leaving the input) recolours what is drawn, in place;
  // the hash follows, without a reload.
  let applied = colour.value;
  const recolour = () => {
    if (colour.value === applied) return;
    applied = colour.value;
    window.history.replaceState(null, '', `#/map/${encodeURIComponent(name)}?${query()}`);
    colours = new Map();
    range = [Infinity, -Infinity];
    for (const d of drawn.values()) widen(fieldOf(d.value, field()));
    restyle = true;
    schedule();
  };
  colour.addEventListener('change', recolour);
  colour.addEventListener('keydown', ev => { if (ev.key === 'Enter') recolour(); });
  state.source = new EventSource(`/connectors/${encodeURIComponent(name)}/tap?max_rate=10000&buffer=4096`);
  state.source.addEventListener('open', () => { info.dataset.open = '1'; });
  state.source.addEventListener('record', ev => {
    const r = JSON.parse(ev.data);
    missed += (r.dropped || 0) + (r.rate_limited || 0);
    const geometry = geometryOf(r.value, lat.value, lon.value);
    if (!geometry) return;
    const key = JSON.stringify(r.key);
    const value = fieldOf(r.value, field());
    widen(value);
    const c = colourOf(value);
    const old = drawn.get(key);
    if (old) group.removeLayer(old.layer);
    const entry = { value: r.value };
    try {
      entry.layer = L.geoJSON({ type: 'Feature', geometry, properties: {} }, {
        style: { color: c, weight: 4 },
        pointToLayer: (f, latlng) => L.circleMarker(latlng, { radius: 6, color: c, fillColor: c, fillOpacity: 0.8 }),
      }).bindPopup(() => el('pre', {}, JSON.stringify(entry.value, null, 1)));
    } catch (e) {
      if (old) drawn.delete(key);
      return;  // coordinates Leaflet cannot read
    }
    group.addLayer(entry.layer);
    drawn.set(key, entry);
    if (!old) newKeys = true;
    schedule();
  });
}

// ---- Routing ----------------------------------------------------------------------------
function route() {
  stop();
  const page = document.getElementById('page');
  page.replaceChildren();
  const [path] = location.hash.slice(1).split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  for (const a of document.querySelectorAll('header nav a')) a.classList.toggle('active', a.id === 'nav-' + (parts[0] || 'connectors'));
  if (parts[0] === 'tap') return tapPage(page, parts[1]);
  if (parts[0] === 'map') return mapPage(page, parts[1]);
  if (parts[0] === 'create') return createPage(page);
  if (parts[0] === 'pipelines') return pipelinesPage(page, parts[1]);
  if (parts[0] === 'plugins') return pluginsPage(page);
  if (parts[0] === 'offsets') return offsetsPage(page, parts[1]);
  return connectorsPage(page);
}
window.addEventListener('hashchange', route);
route();

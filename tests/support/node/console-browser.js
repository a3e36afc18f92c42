// The web console in a real browser: Debian's chromium, headless, driven by playwright-core
// (its own browser download is not used). Run by tests/integration/console_test.cpp against
// a worker it started:
//   node console-browser.js BASE_URL ADMIN:PASSWORD VIEWER:PASSWORD SCREENSHOT_DIR CONNECTOR MAPS_JSON
// MAPS_JSON: [{connector, colour, drawn, counts: {value: n}, number?: {field, values}}], one
// paused opendatasoft connector per map.
// Prints one line per step; exits 1 with the failing step's message.
'use strict';
const fs = require('fs');
const { chromium } = require('playwright-core');

const [base, adminCred, viewerCred, shots, connector, mapsFile] = process.argv.slice(2);
const cred = s => ({ username: s.slice(0, s.indexOf(':')), password: s.slice(s.indexOf(':') + 1) });
const row = `tr[data-connector="${connector}"]`;
const step = m => console.log('step: ' + m);

// The colours users expect for the portals' traffic states (docs/console.md).
const stateColours = {
  FLUIDE: '#1a9850', freeFlow: '#1a9850', Fluide: '#1a9850',
  DENSE: '#fdae61', heavy: '#fdae61', 'Pré-saturé': '#fdae61',
  EMBOUTEILLE: '#d73027', congested: '#d73027', 'Saturé': '#d73027',
  PARALYSE: '#7f0000', 'Bloqué': '#7f0000',
  INCONNU: '#aaaaaa', unknown: '#aaaaaa', Inconnu: '#aaaaaa',
};
const histogram = list => list.reduce((h, x) => h.set(x, (h.get(x) || 0) + 1), new Map());
const same = (a, b) => a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
const show = h => JSON.stringify(Object.fromEntries([...h].sort()));
const strokes = page => page.$$eval('#map path.leaflet-interactive', ps => ps.map(p => p.getAttribute('stroke')));

// Opens the map of a paused connector coloured by m.colour, resumes the connector and checks
// that every key is drawn once (an SVG path each), each in its state's colour, with the
// legend counting them; then, with m.number, recolours by that number on the red-to-green scale.
async function checkMap(page, m) {
  await page.goto(base + `/ui/#/map/${m.connector}?colour=${m.colour}`);
  await page.waitForSelector('#map.leaflet-container', { timeout: 30000 });
  await page.waitForSelector('#map-info[data-open="1"]', { state: 'attached', timeout: 30000 });  // the tap is subscribed
  const resumed = await page.evaluate(async n => (await fetch(`/connectors/${n}/resume`, { method: 'PUT' })).status, m.connector);
  if (resumed !== 202) throw new Error(`resume ${m.connector} answered ${resumed}`);
  const want = `${m.drawn} keys drawn`;
  try {
    await page.waitForFunction(w => document.getElementById('map-info').textContent === w, want, { timeout: 60000 });
  } catch (e) {
    throw new Error(`${m.connector} map: '${await page.textContent('#map-info')}${await page.textContent('#map-lost')}', expected '${want}'`);
  }
  const drawn = await strokes(page);
  if (drawn.length !== m.drawn) throw new Error(`${m.connector} map: ${drawn.length} paths for ${m.drawn} keys`);
  const legend = await page.$$eval('.legend [data-category]', ds => ds.map(d => [d.dataset.category, Number(d.dataset.count), d.dataset.colour]));
  const expected = new Map(Object.entries(m.counts));
  if (!same(new Map(legend.map(([k, n]) => [k, n])), expected))
    throw new Error(`${m.connector} legend by ${m.colour}: ${JSON.stringify(legend)}, expected ${show(expected)}`);
  for (const [k, , colour] of legend)
    if (stateColours[k] && colour !== stateColours[k]) throw new Error(`${m.connector}: ${k} drawn ${colour}, expected ${stateColours[k]}`);
  const byColour = histogram([...expected].flatMap(([k, n]) => Array(n).fill(legend.find(l => l[0] === k)[2])));
  if (!same(histogram(drawn), byColour)) throw new Error(`${m.connector} paths by colour: ${show(histogram(drawn))}, expected ${show(byColour)}`);
  await page.screenshot({ path: `${shots}/${m.connector}.png`, fullPage: true });
  step(`${m.connector} map: ${m.drawn} keys drawn, by ${m.colour} ${show(expected)}`);
  if (!m.number) return;

  // The same records by a number: min red, max green, hue in between.
  const values = m.number.values;
  const lo = Math.min(...values), hi = Math.max(...values);
  await page.fill('#map-colour', m.number.field);
  await page.press('#map-colour', 'Enter');
  const scale = `.legend .scale[data-min="${lo}"][data-max="${hi}"][data-count="${values.length}"]`;
  await page.waitForSelector(scale, { state: 'attached', timeout: 30000 }).catch(async () => {
    throw new Error(`${m.connector} legend by ${m.number.field}: '${await page.textContent('.legend')}', expected ${lo} … ${hi} over ${values.length} records`);
  });
  const want2 = histogram(values.map(v => `hsl(${Math.round(120 * (v - lo) / (hi - lo))}, 80%, 40%)`));
  const got2 = histogram(await strokes(page));
  if (!same(got2, want2)) throw new Error(`${m.connector} paths by ${m.number.field}: ${show(got2)}, expected ${show(want2)}`);
  await page.screenshot({ path: `${shots}/${m.connector}-${m.number.field}.png`, fullPage: true });
  step(`${m.connector} map by ${m.number.field}: ${lo} (red) to ${hi} (green), ${want2.size} hues`);
}

(async () => {
  const browser = await chromium.launch({ executablePath: process.env.SLUICE_CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    // No credentials: the console's own files answer 401 too.
    const stranger = await browser.newContext();
    const denied = await stranger.request.get(base + '/ui/');
    if (denied.status() !== 401) throw new Error('without credentials /ui/ answered ' + denied.status());
    step('401 without credentials');

    // The admin logs in, sees the connector RUNNING, pauses it (confirming), resumes it.
    const admin = await browser.newContext({ httpCredentials: cred(adminCred) });
    const page = await admin.newPage();
    page.on('dialog', d => d.accept());
    page.on('pageerror', e => console.log('page error: ' + e.message));
    await page.goto(base + '/ui/#/connectors');
    await page.waitForSelector(`${row} td:nth-child(3) .state.RUNNING`, { timeout: 30000 });
    step('admin sees RUNNING');
    // Its records per second from the worker's metrics, drawn by uPlot.
    await page.waitForSelector(`${row} .chart .uplot`, { timeout: 30000 });
    await page.screenshot({ path: `${shots}/connectors.png`, fullPage: true });
    step('records/s chart drawn');
    await page.click(`${row} button[data-action="pause"]`);
    await page.waitForSelector(`${row} td:nth-child(3) .state.PAUSED`, { timeout: 30000 });
    await page.screenshot({ path: `${shots}/paused.png`, fullPage: true });
    step('admin paused: PAUSED');
    await page.click(`${row} button[data-action="resume"]`);
    await page.waitForSelector(`${row} td:nth-child(3) .state.RUNNING`, { timeout: 30000 });
    step('admin resumed: RUNNING');

    // The plugins with their config docs, and a connector's offsets.
    await page.goto(base + '/ui/#/plugins');
    await page.click('details[data-plugin="datagen"] summary');
    await page.waitForSelector('details[data-plugin="datagen"] tr[data-key="rate"]', { timeout: 30000 });
    await page.goto(base + `/ui/#/offsets/${connector}`);
    await page.waitForFunction(() => document.querySelectorAll('#offsets tr').length >= 2, null, { timeout: 30000 });
    step('plugins and offsets pages');

    // Create a datagen connector through its form: a bad rate is shown beside its key, then fixed.
    await page.goto(base + '/ui/#/create');
    await page.waitForSelector('#create-plugin option[value="datagen"]', { state: 'attached', timeout: 30000 });
    await page.selectOption('#create-plugin', 'datagen');
    await page.waitForSelector('#key-rate', { timeout: 30000 });
    await page.fill('#key-name', 'formgen');
    await page.fill('#key-topic', 'form.t');
    await page.fill('#key-rate', 'fast');
    await page.click('#create-submit');
    await page.waitForFunction(() => (document.querySelector('[data-error-for="rate"]') || {}).textContent, null, { timeout: 30000 });
    const rateError = await page.textContent('[data-error-for="rate"]');
    if (!/fast/.test(rateError)) throw new Error('the error beside rate: ' + rateError);
    await page.screenshot({ path: `${shots}/create-error.png`, fullPage: true });
    step('form shows the validation error beside rate');
    await page.fill('#key-rate', '10');
    await page.click('#create-submit');
    await page.waitForSelector('tr[data-connector="formgen"] td:nth-child(3) .state.RUNNING', { timeout: 30000 });
    step('form-created connector RUNNING');

    // The YAML pipeline editor: a refused file lists each error at its line and column and
    // marks the line; the corrected file creates the pipeline's connector.
    await page.goto(base + '/ui/#/pipelines');
    await page.waitForSelector('#pipeline-save', { timeout: 30000 });
    const yaml = rate => `name: edited\nsource:\n  name: gen\n  plugin: datagen\n  topic: edited.t\n  config:\n    rate: ${rate}\n`;
    await page.fill('#pipeline-name', 'edited');
    await page.fill('#pipeline-yaml', yaml('fast'));
    await page.click('#pipeline-save');
    await page.waitForSelector('#pipeline-errors li[data-line="7"]', { timeout: 30000 });
    const yamlError = await page.textContent('#pipeline-errors li[data-line="7"]');
    if (!/^line 7, column 5: source\.config\.rate: .*fast/.test(yamlError)) throw new Error('the editor\'s error: ' + yamlError);
    if (await page.locator('#pipeline-gutter span.bad[data-line="7"]').count() !== 1) throw new Error('line 7 not marked in the gutter');
    await page.screenshot({ path: `${shots}/pipeline-error.png`, fullPage: true });
    step('pipeline editor: error at line 7, column 5, marked');
    await page.fill('#pipeline-yaml', yaml('10'));
    await page.click('#pipeline-save');
    await page.waitForFunction(() => /created: edited\.gen/.test(document.getElementById('pipeline-message').textContent), null, { timeout: 30000 });
    await page.goto(base + '/ui/#/connectors');
    await page.waitForSelector('tr[data-connector="edited.gen"] td:nth-child(3) .state.RUNNING', { timeout: 30000 });
    step('pipeline saved from the editor: edited.gen RUNNING');

    // Live records arrive on the tap page.
    await page.goto(base + `/ui/#/tap/${connector}`);
    await page.waitForFunction(() => document.querySelectorAll('#records .record').length >= 3, null, { timeout: 30000 });
    const first = await page.textContent('#records .record');
    if (!/@\d+ /.test(first)) throw new Error('a tapped record without its offset: ' + first);
    await page.screenshot({ path: `${shots}/tap.png`, fullPage: true });
    step('tap shows records');

    // The map: Leaflet from the worker (no internet, no tiles), the latest record of each of
    // the 20 sensors of `ring` (datagen geo: bordeaux-ring), coloured by lane, with a legend.
    await page.goto(base + '/ui/#/map/ring?colour=lane');
    await page.waitForSelector('#map.leaflet-container', { timeout: 30000 });
    await page.waitForFunction(() => document.getElementById('map-info').textContent === '20 keys drawn', null, { timeout: 30000 });
    const legend = await page.textContent('.legend');
    if (!legend.startsWith('lane')) throw new Error('map legend: ' + legend);
    await page.screenshot({ path: `${shots}/map.png`, fullPage: true });
    step('map draws 20 sensors with a legend');

    // Every geometry spelling the portals use reads as GeoJSON (the console's own functions).
    const kinds = await page.evaluate(() => [
      geometryOf({ geo_shape: { type: 'Feature', geometry: { type: 'MultiLineString', coordinates: [[[-1.6, 48.1], [-1.7, 48.1]], [[-1.6, 48.2], [-1.7, 48.2]]] } } }),
      geometryOf({ geo_shape: '{"type": "LineString", "coordinates": [[2.30, 48.87], [2.31, 48.87]]}' }),
      geometryOf({ geo_shape: { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] } }),
      geometryOf({ geometry: { type: 'Point', coordinates: [2.29, 48.87] } }),
      geometryOf({ geo_point_2d: { lat: 44.84, lon: -0.58 } }),
      geometryOf({ geo_point_2d: [48.87, 2.29] }),
      geometryOf({ 'Geo Point': 'x', geo_point_2d: '48.04, -1.65' }),
      geometryOf({ Latitude: '44.8', Longitude: -0.5 }, 'latitude', 'longitude'),
      geometryOf({ geo_shape: { type: 'LineString' }, lat: 91, lon: 0 }, 'lat', 'lon'),
      geometryOf({ geo_shape: 'not json', geo_point_2d: null }, 'lat', 'lon'),
    ].map(g => g && `${g.type} ${JSON.stringify(g.coordinates)}`));
    const wantKinds = ['MultiLineString [[[-1.6,48.1],[-1.7,48.1]],[[-1.6,48.2],[-1.7,48.2]]]', 'LineString [[2.3,48.87],[2.31,48.87]]',
                       'Polygon [[[0,0],[1,0],[1,1],[0,0]]]',
                       'Point [2.29,48.87]', 'Point [-0.58,44.84]', 'Point [2.29,48.87]', 'Point [-1.65,48.04]', 'Point [-0.5,44.8]', null, null];
    if (JSON.stringify(kinds) !== JSON.stringify(wantKinds)) throw new Error('geometries read: ' + JSON.stringify(kinds));
    const spelled = await page.evaluate(() => [fieldOf({ trafficStatus: 'heavy' }, 'trafficstatus'), fieldOf({ etat: 'DENSE', ETAT: 'x' }, 'etat'),
                                               scaleColour(50, [0, 50], false), scaleColour(50, [0, 50], true), scaleColour(7, [7, 7], false)]);
    const wantSpelled = ['heavy', 'DENSE', 'hsl(120, 80%, 40%)', 'hsl(0, 80%, 40%)', 'hsl(60, 80%, 40%)'];
    if (JSON.stringify(spelled) !== JSON.stringify(wantSpelled)) throw new Error('fields ignoring case, number scale: ' + JSON.stringify(spelled));
    step('geometries: (Multi)LineString, Polygon, Point in every portal spelling; fields ignoring case; the scale and its reverse');

    // The portals' traffic records (Bordeaux, Rennes, Paris; expectations derived from the
    // fixtures by the C++ test): for each, the map listens, then the paused connector is
    // resumed and its one sweep draws the latest record of every key.
    for (const m of JSON.parse(fs.readFileSync(mapsFile, 'utf8'))) await checkMap(page, m);
    // A viewer sees the connector but no action, and the API refuses its pause.
    const viewer = await browser.newContext({ httpCredentials: cred(viewerCred) });
    const vpage = await viewer.newPage();
    await vpage.goto(base + '/ui/#/connectors');
    await vpage.waitForSelector(`${row} td:nth-child(3) .state.RUNNING`, { timeout: 30000 });
    if (await vpage.locator('button[data-action="pause"]').count() !== 0) throw new Error('the viewer has a pause button');
    const status = await vpage.evaluate(async n => (await fetch(`/connectors/${n}/pause`, { method: 'PUT' })).status, connector);
    if (status !== 403) throw new Error('the viewer\'s pause answered ' + status);
    await vpage.screenshot({ path: `${shots}/viewer.png`, fullPage: true });
    step('viewer: no pause button, API 403');
  } finally {
    await browser.close();
  }
})().catch(e => { console.error('console test failed: ' + e.message); process.exit(1); });

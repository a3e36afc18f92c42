// The web console in a real browser: Debian's chromium, headless, driven by playwright-core
// (its own browser download is not used). Run by tests/integration/console_test.cpp against
// a worker it started:
//   node console-browser.js BASE_URL ADMIN:PASSWORD VIEWER:PASSWORD SCREENSHOT_DIR CONNECTOR
// Prints one line per step; exits 1 with the failing step's message.
'use strict';
const { chromium } = require('playwright-core');

const [base, adminCred, viewerCred, shots, connector] = process.argv.slice(2);
const cred = s => ({ username: s.slice(0, s.indexOf(':')), password: s.slice(s.indexOf(':') + 1) });
const row = `tr[data-connector="${connector}"]`;
const step = m => console.log('step: ' + m);

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

    // Bordeaux's traffic segments (geo_shape) coloured by etat: the map listens, then the
    // paused connector is resumed and its one sweep draws every segment.
    await page.goto(base + '/ui/#/map/bordeaux?colour=etat');
    await page.waitForSelector('#map.leaflet-container', { timeout: 30000 });
    await page.waitForSelector('#map-info[data-open="1"]', { state: 'attached', timeout: 30000 });  // the tap is subscribed
    const resumed = await page.evaluate(async () => (await fetch('/connectors/bordeaux/resume', { method: 'PUT' })).status);
    if (resumed !== 202) throw new Error('resume answered ' + resumed);
    await page.waitForFunction(() => document.getElementById('map-info').textContent === '694 keys drawn', null, { timeout: 60000 });
    const etats = await page.$$eval('.legend i', is => is.length);
    const legendText = await page.textContent('.legend');
    if (etats < 2 || !/FLUIDE/.test(legendText)) throw new Error('legend by etat: ' + legendText);
    const drawn = await page.$$eval('#map path.leaflet-interactive', ps => ps.length);
    await page.screenshot({ path: `${shots}/bordeaux.png`, fullPage: true });
    step(`bordeaux map: 694 segments, ${etats} colours by etat (${legendText.replace(/\s+/g, ' ')}), ${drawn} svg paths`);

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

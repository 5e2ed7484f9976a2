/* On load: bring back the typing kept in this browser, and save what the server
 * does not have yet. */

import { sameScore, setState, unsaved } from './cells.js';

export function restore(grid) {
  var cells = grid.cells;
  var saver = grid.autosave;
  var stored = grid.drafts.read();
  var restored = 0;
  var changedStorage = false;
  Object.keys(stored).forEach(function (key) {
    var cell = cells[key];
    var entry = stored[key];
    if (!cell) return; // not on this page: kept for when it is
    if (!entry || typeof entry.text !== 'string') {
      delete stored[key];
      changedStorage = true;
      return;
    }
    if (sameScore(entry.text, cell.original.value)) {
      // The server has it (autosave or full Save finished): nothing to restore.
      delete stored[key];
      changedStorage = true;
      return;
    }
    var version = entry.version === null || entry.version === undefined
      ? ''
      : String(entry.version);
    if (cell.input.value !== entry.text) restored += 1;
    cell.input.value = entry.text;
    // The version it was typed on: if someone saved since, the server says so.
    cell.version.value = version;
    cell.baseVersion = version;
    cell.rejectedText = null;
    cell.serverError = false;
    setState(cell, 'pending');
    saver.enqueue(key);
  });
  if (changedStorage) grid.drafts.write(stored);

  // A grid the server refused (full Save): keep the refused cells' messages, and
  // save the other changed cells now.
  Object.keys(cells).forEach(function (key) {
    var cell = cells[key];
    if (saver.isQueued(key) || !unsaved(cell)) return;
    grid.drafts.keep(cell);
    if (cell.serverError) {
      setState(cell, 'error');
    } else {
      setState(cell, 'pending');
      saver.enqueue(key);
    }
  });

  if (restored) {
    grid.status.notice = grid.t.plural('restored', restored);
    grid.status.announce(grid.status.notice, '');
  }
  saver.flush();
}

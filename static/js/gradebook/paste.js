/* A column pasted from a spreadsheet fills the cells below and is saved in one
 * request (a single line pastes as usual). */

import { setState, unsaved } from './cells.js';
import { neighbour } from './keyboard.js';

export function wirePaste(grid) {
  var saver = grid.autosave;

  grid.form.addEventListener('paste', function (event) {
    var input = event.target;
    var first = grid.cellOf(input);
    if (!first) return;
    var clipboard = event.clipboardData || window.clipboardData;
    if (!clipboard) return;
    var text = clipboard.getData('text/plain') || clipboard.getData('Text') || '';
    if (!/[\r\n]/.test(text)) return; // one line: the browser pastes as usual
    event.preventDefault();
    var lines = text.split(/\r\n|\r|\n/);
    if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
    var at = grid.position.get(input);
    var changed = [];
    lines.forEach(function (line, index) {
      var row = at ? grid.rows[at.row + index] : index === 0 ? [input] : null;
      if (!row) return;
      var target = index === 0 ? input : neighbour(grid, input, index, 0);
      var cell = grid.cellOf(target);
      if (!cell) return;
      cell.input.value = line.split('\t')[0].trim();
      cell.rejectedText = null;
      cell.baseVersion = cell.version.value;
      if (unsaved(cell)) {
        setState(cell, 'pending');
        grid.drafts.keep(cell);
        changed.push(cell);
      } else {
        saver.settle(cell);
      }
    });
    input.select();
    // One request for the whole column (or with the request after the one in flight).
    changed.forEach(function (cell) {
      saver.cancelIdle(cell);
      saver.enqueue(cell.key);
    });
    saver.flush();
  });
}

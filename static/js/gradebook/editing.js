/* Typing in a cell: keep the draft, mark the cell pending, save it when the teacher
 * pauses, leaves the cell or commits it (change). */

import { setState, stateOf, unsaved } from './cells.js';

export function wireEditing(grid) {
  var form = grid.form;
  var saver = grid.autosave;

  form.addEventListener('input', function (event) {
    var cell = grid.cellOf(event.target);
    if (!cell) return;
    grid.status.notice = '';
    cell.rejectedText = null; // an edit: the teacher may send the same text again
    cell.baseVersion = cell.version.value;
    if (unsaved(cell)) {
      if (!cell.failed && stateOf(cell) !== 'error') {
        setState(cell, 'pending');
      }
      grid.drafts.keep(cell);
    } else {
      grid.drafts.forget(cell);
    }
    saver.saveWhenIdle(cell);
  });

  form.addEventListener('change', function (event) {
    var cell = grid.cellOf(event.target);
    if (cell) saver.schedule(cell);
  });

  form.addEventListener('focusout', function (event) {
    var cell = grid.cellOf(event.target);
    if (cell && (saver.waitingForIdle(cell) || stateOf(cell) === 'pending')) {
      saver.schedule(cell);
    }
  });
}

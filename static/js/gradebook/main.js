/* Gradebook keyboard movement and autosave: enhances the plain form.
 *
 * Without these modules the gradebook is a plain form that posts the whole grid.
 * With them:
 * - arrow keys and Enter move between cells (keyboard.js);
 * - every changed cell is saved on its own (autosave.js, network.js, answers.js,
 *   totals.js), and the status line says how it went (status.js);
 * - a column pasted from a spreadsheet fills the cells below (paste.js);
 * - unsaved typing is kept in sessionStorage and restored (drafts.js, restore.js);
 * - the full Save posts only the cells that still differ from what the server has
 *   (leaving.js).
 * The texts, and the page's translations of them, are in messages.js.
 *
 * Native ES modules, no build step: the page loads this file with
 * <script type="module">; the static files storage rewrites the relative module
 * paths to their hashed names at collectstatic.
 */

import { loadMessages, makeTranslator } from './messages.js';
import { makeDrafts } from './drafts.js';
import { readGrid } from './cells.js';
import { makeStatus } from './status.js';
import { makeAutosave } from './autosave.js';
import { wireEditing } from './editing.js';
import { wireKeyboard } from './keyboard.js';
import { wirePaste } from './paste.js';
import { wireLeaving, wireLogout } from './leaving.js';
import { restore } from './restore.js';

export function enhance(form) {
  var inputs = Array.prototype.slice.call(form.querySelectorAll('.grid__input'));
  if (!inputs.length) return null;
  if (inputs.some(function (input) { return input.readOnly || input.disabled; })) {
    return null; // a locked term: nothing to enhance
  }

  var t = makeTranslator(loadMessages());
  var found = readGrid(form, inputs);
  var grid = {
    form: form,
    t: t,
    cells: found.cells,
    rows: found.rows,
    position: found.position,
    autosaveUrl: form.getAttribute('data-autosave-url') || '',
    tokenInput: form.querySelector('input[name="csrfmiddlewaretoken"]'),
    drafts: makeDrafts(form.getAttribute('data-storage-key') || ''),
    status: makeStatus(document.getElementById('gradebook-status'), t, found.cells),
    cellOf: function (target) {
      if (!target || !target.classList || !target.classList.contains('grid__input')) {
        return null;
      }
      return found.cells[target.getAttribute('data-cell')] || null;
    }
  };
  grid.autosave = makeAutosave(grid);

  wireEditing(grid);
  wireKeyboard(grid);
  wirePaste(grid);
  var page = wireLeaving(grid);
  restore(grid);
  return page;
}

function start() {
  var form = document.getElementById('gradebook-form');
  wireLogout(form ? enhance(form) : null);
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', start);
} else {
  start();
}

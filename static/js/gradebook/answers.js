/* What an autosave answer does to the cells it carried: saved (new versions,
 * normalised text, totals), refused (messages, conflicts), or failed (retried). */

import { setState, showError, clearError } from './cells.js';
import { updateTotals } from './totals.js';

export function handleAnswer(grid, batch, sent, answer) {
  var t = grid.t;
  var status = grid.status;
  var drafts = grid.drafts;
  var saver = grid.autosave;
  if (answer.kind === 'saved') {
    saver.resetRetryDelay();
    status.lastOutcome = 'saved';
    var answered = (answer.data && answer.data.cells) || {};
    batch.forEach(function (cell) {
      var result = answered[cell.key];
      var sentText = sent.get(cell.key);
      var text = result ? String(result.text) : sentText.trim();
      cell.original.value = text;
      if (result && result.version !== null && result.version !== undefined) {
        cell.version.value = String(result.version);
      }
      cell.baseVersion = cell.version.value;
      clearError(cell);
      if (cell.input.value === sentText) {
        if (cell.input.value !== text) normalise(cell, text);
        drafts.forget(cell);
        setState(cell, 'saved');
      } else {
        // Edited while the request was in flight: save the newer text next.
        setState(cell, 'pending');
        drafts.keep(cell);
        saver.enqueue(cell.key);
      }
    });
    updateTotals(grid.form, answer.data);
    // Cells that failed earlier can go now that the server answers.
    if (saver.retrying()) saver.retryNow();
  } else if (answer.kind === 'rejected') {
    saver.resetRetryDelay();
    if (status.lastOutcome !== 'saved') status.lastOutcome = '';
    var problems = (answer.data && answer.data.cells) || {};
    var general = (answer.data && answer.data.error) || '';
    var anyCell = Object.keys(problems).length > 0;
    batch.forEach(function (cell) {
      var problem = problems[cell.key];
      var sentText = sent.get(cell.key);
      cell.failed = false;
      if (!problem && anyCell) {
        // Refused only because another cell of the batch was: send it again alone.
        saver.enqueue(cell.key);
        return;
      }
      if (!problem) {
        problem = { code: 'general', message: general };
      }
      var message = problem.message || general;
      if (problem.code === 'conflict') {
        var current = problem.current === undefined || problem.current === null
          ? ''
          : String(problem.current);
        // The teacher has now seen the other value: saving again keeps theirs.
        cell.original.value = current;
        cell.version.value =
          problem.version === null || problem.version === undefined
            ? ''
            : String(problem.version);
        var shown = current || t('empty');
        var detail = problem.changed_by
          ? t('conflict', { value: shown, who: problem.changed_by })
          : t('conflictNoName', { value: shown });
        message = (message ? message + ' ' : '') + detail;
      }
      cell.rejectedText = sentText;
      if (cell.input.value === sentText) {
        showError(cell, message);
        drafts.keep(cell); // still unsaved: kept (with the version it was typed on)
      } else {
        // Edited while the request was in flight: try the newer text.
        clearError(cell);
        cell.rejectedText = null;
        setState(cell, 'pending');
        drafts.keep(cell);
        saver.enqueue(cell.key);
      }
    });
  } else {
    var failure = answer.server ? t('serverError') : t('offline');
    status.lastOutcome =
      answer.kind === 'failed' && answer.server ? 'server' : answer.kind;
    if (answer.kind === 'limited') {
      status.rateLimitSeconds = answer.seconds;
      batch.forEach(function (cell) {
        setState(cell, 'pending');
        drafts.keep(cell);
      });
      saver.planRetry(answer.seconds);
    } else {
      saver.markFailed(batch.map(function (cell) { return cell.key; }), failure);
      saver.planRetry();
    }
    // Retried by the timer (or a new edit), not right away.
    batch.forEach(function (cell) {
      if (cell.input.value === sent.get(cell.key)) saver.dequeue(cell.key);
    });
  }
  status.update();
}

/** Show the server's spelling ("17,5" -> "17.5") without disturbing a selection. */
function normalise(cell, text) {
  var input = cell.input;
  var focused = document.activeElement === input;
  var allSelected = focused &&
    input.selectionStart === 0 && input.selectionEnd === input.value.length;
  input.value = text;
  if (allSelected) input.select();
}

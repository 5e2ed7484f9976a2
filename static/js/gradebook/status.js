/* The status line under the grid (role="status"): saving, saved, or what went wrong. */

import { stateOf } from './cells.js';

export function makeStatus(region, t, cells) {
  var status = {
    lastOutcome: '', // 'saved' | 'failed' | 'server' | 'session' | 'limited' | ''
    rateLimitSeconds: 0,
    notice: '', // shown before the status until the next edit ("Restored 3 …")
    announce: announce,
    update: update
  };

  function announce(text, tone) {
    if (!region) return;
    if (status.notice && text !== status.notice) text = status.notice + ' ' + text;
    if (region.textContent !== text) region.textContent = text;
    if (tone) region.setAttribute('data-tone', tone);
    else region.removeAttribute('data-tone');
  }

  function update() {
    var keys = Object.keys(cells);
    var problems = keys.filter(function (key) {
      var cell = cells[key];
      return stateOf(cell) === 'error' || cell.serverError;
    }).length;
    var waiting = keys.some(function (key) {
      return stateOf(cells[key]) === 'pending';
    });
    var outcome = status.lastOutcome;
    if (outcome === 'session') return announce(t('sessionEnded'), 'error');
    if (outcome === 'failed') return announce(t('offline'), 'error');
    if (outcome === 'server') return announce(t('serverError'), 'error');
    if (outcome === 'limited') {
      return announce(t('rateLimited', { seconds: status.rateLimitSeconds }), 'error');
    }
    if (problems) return announce(t.plural('notSaved', problems), 'error');
    if (outcome === 'saved') {
      return announce(waiting ? t('saved') : t('allSaved'), waiting ? '' : 'ok');
    }
    return undefined;
  }

  return status;
}

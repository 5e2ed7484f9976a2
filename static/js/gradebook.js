/* Gradebook keyboard movement and autosave: enhances the plain form.
 *
 * Without this file the gradebook is a plain form that posts the whole grid. With it:
 * - arrow keys and Enter move between cells (Tab keeps its normal behaviour);
 * - every changed cell is saved on its own (autosave) to the form's data-autosave-url,
 *   one request at a time, so each answer's versions are current for the next one;
 * - a column pasted from a spreadsheet fills the cells below and is saved in one request;
 * - unsaved typing is kept in sessionStorage (under data-storage-key) and restored;
 * - the full Save posts only the cells that still differ from what the server has.
 *
 * Messages are read from <script type="application/json" id="gradebook-messages">
 * (an object of key -> translated text) when the page has it, else these English texts.
 * Placeholders in braces are filled in; keys ending in _one / _other are plural forms
 * chosen with Intl.PluralRules for the page's language (other languages may add
 * _zero, _two, _few, _many):
 *
 *   saving               "Saving…"
 *   saved                "Saved"
 *   allSaved             "All changes saved"
 *   restored_one         "Restored {count} unsaved score from this browser."
 *   restored_other       "Restored {count} unsaved scores from this browser."
 *   notSaved_one         "Not saved: {count} cell needs your attention."
 *   notSaved_other       "Not saved: {count} cells need your attention."
 *   offline              "Not saved: you are offline or your session ended. Your typing is kept in this browser."
 *   sessionEnded         "Your session ended: log in again (in another tab, or reload this page) and your scores will be saved. Your typing is kept in this browser."
 *   serverError          "Not saved: the server could not save this score. It will try again. Your typing is kept in this browser."
 *   rateLimited          "Saving is paused for {seconds} seconds (too many saves). Your typing is kept."
 *   conflict             "Now saved: {value} (by {who}). Save again to keep yours."
 *   conflictNoName       "Now saved: {value}. Save again to keep yours."
 *   empty                "empty"
 *   unsavedWarning       "Some scores are not saved yet. Leave the page anyway?"
 *                        (browsers show their own text; kept for older ones)
 */
(function () {
  'use strict';

  var DEFAULT_MESSAGES = {
    saving: 'Saving…',
    saved: 'Saved',
    allSaved: 'All changes saved',
    restored_one: 'Restored {count} unsaved score from this browser.',
    restored_other: 'Restored {count} unsaved scores from this browser.',
    notSaved_one: 'Not saved: {count} cell needs your attention.',
    notSaved_other: 'Not saved: {count} cells need your attention.',
    offline:
      'Not saved: you are offline or your session ended. ' +
      'Your typing is kept in this browser.',
    sessionEnded:
      'Your session ended: log in again (in another tab, or reload this page) ' +
      'and your scores will be saved. Your typing is kept in this browser.',
    serverError:
      'Not saved: the server could not save this score. It will try again. ' +
      'Your typing is kept in this browser.',
    rateLimited:
      'Saving is paused for {seconds} seconds (too many saves). Your typing is kept.',
    conflict: 'Now saved: {value} (by {who}). Save again to keep yours.',
    conflictNoName: 'Now saved: {value}. Save again to keep yours.',
    empty: 'empty',
    unsavedWarning: 'Some scores are not saved yet. Leave the page anyway?'
  };

  var STORAGE_PREFIX = 'gradebook-';
  var LOGOUT_PATH = '/accounts/logout/';
  var LOGIN_PATH = '/accounts/login/';
  var IDLE_MS = 800;
  var SAVING_NOTICE_MS = 500;
  var REQUEST_TIMEOUT_MS = 20000;
  var RETRY_FIRST_MS = 5000;
  var RETRY_MAX_MS = 60000;

  // ---------------------------------------------------------------- storage

  function storage() {
    try {
      return window.sessionStorage;
    } catch (error) {
      return null; // blocked (privacy settings): autosave still works
    }
  }

  function clearAllGradebookStorage() {
    var store = storage();
    if (!store) return;
    try {
      var doomed = [];
      for (var i = 0; i < store.length; i += 1) {
        var name = store.key(i);
        if (name && name.indexOf(STORAGE_PREFIX) === 0) doomed.push(name);
      }
      doomed.forEach(function (name) { store.removeItem(name); });
    } catch (error) {
      /* nothing more we can do */
    }
  }

  function isLogoutForm(form) {
    var action = form.getAttribute('action') || '';
    var path;
    try {
      path = new URL(action, window.location.href).pathname;
    } catch (error) {
      path = action;
    }
    return path.slice(-LOGOUT_PATH.length) === LOGOUT_PATH;
  }

  // ---------------------------------------------------------------- messages

  function loadMessages() {
    var messages = {};
    Object.keys(DEFAULT_MESSAGES).forEach(function (key) {
      messages[key] = DEFAULT_MESSAGES[key];
    });
    var element = document.getElementById('gradebook-messages');
    if (element) {
      try {
        var translated = JSON.parse(element.textContent || '{}');
        Object.keys(translated).forEach(function (key) {
          if (typeof translated[key] === 'string') messages[key] = translated[key];
        });
      } catch (error) {
        /* malformed: keep the English texts */
      }
    }
    return messages;
  }

  function makeTranslator(messages) {
    var rules = null;
    try {
      rules = new Intl.PluralRules(document.documentElement.lang || 'en');
    } catch (error) {
      rules = null;
    }
    function fill(text, values) {
      return text.replace(/\{(\w+)\}/g, function (whole, name) {
        return values && Object.prototype.hasOwnProperty.call(values, name)
          ? String(values[name])
          : whole;
      });
    }
    function t(key, values) {
      return fill(messages[key] !== undefined ? messages[key] : key, values);
    }
    t.plural = function (key, count, values) {
      var category = rules ? rules.select(count) : count === 1 ? 'one' : 'other';
      var chosen = messages[key + '_' + category] !== undefined
        ? key + '_' + category
        : key + '_other';
      var all = { count: count };
      Object.keys(values || {}).forEach(function (name) { all[name] = values[name]; });
      return fill(messages[chosen] !== undefined ? messages[chosen] : chosen, all);
    };
    return t;
  }

  // ---------------------------------------------------------------- helpers

  function same(a, b) {
    return String(a).trim() === String(b).trim();
  }

  /** Whether two cell texts mean the same score ("8", "8,0", "8.00"; "ex", "EX"). */
  function sameScore(a, b) {
    var x = String(a).trim().toUpperCase().replace(',', '.');
    var y = String(b).trim().toUpperCase().replace(',', '.');
    if (x === y) return true;
    var number = /^\d*\.?\d*$/;
    if (number.test(x) && number.test(y) && /\d/.test(x) && /\d/.test(y)) {
      return Number(x) === Number(y);
    }
    return false;
  }

  function readCookie(name) {
    var parts = document.cookie ? document.cookie.split(';') : [];
    for (var i = 0; i < parts.length; i += 1) {
      var part = parts[i].trim();
      if (part.slice(0, name.length + 1) === name + '=') {
        return decodeURIComponent(part.slice(name.length + 1));
      }
    }
    return '';
  }

  // ---------------------------------------------------------------- the grid

  function enhance(form) {
    var inputs = Array.prototype.slice.call(form.querySelectorAll('.grid__input'));
    if (!inputs.length) return null;
    if (inputs.some(function (input) { return input.readOnly || input.disabled; })) {
      return null; // a locked term: nothing to enhance
    }

    var t = makeTranslator(loadMessages());
    var autosaveUrl = form.getAttribute('data-autosave-url') || '';
    var storageKey = form.getAttribute('data-storage-key') || '';
    var statusRegion = document.getElementById('gradebook-status');
    var tokenInput = form.querySelector('input[name="csrfmiddlewaretoken"]');

    // Cells by key, and the rows of inputs (withdrawn students' tbody included).
    var cells = {};
    var rows = [];
    var position = new Map();
    var table = inputs[0].closest('table') || form;
    Array.prototype.forEach.call(table.querySelectorAll('tbody tr'), function (tr) {
      var row = Array.prototype.slice.call(tr.querySelectorAll('.grid__input'));
      if (!row.length) return;
      row.forEach(function (input, column) {
        position.set(input, { row: rows.length, column: column });
      });
      rows.push(row);
    });

    inputs.forEach(function (input) {
      var key = input.getAttribute('data-cell');
      if (!key) return;
      var original = form.querySelector('input[name="o-' + key + '"]');
      var version = form.querySelector('input[name="v-' + key + '"]');
      if (!original || !version) return;
      var td = input.closest('td') || input.parentNode;
      cells[key] = {
        key: key,
        input: input,
        td: td,
        original: original, // hidden o-<key>: the text the server has (at `version`)
        version: version, // hidden v-<key>
        baseVersion: version.value, // the version the typed text was based on
        rejectedText: null, // text the server refused (422): not resent until edited
        failed: false, // network / session failure: retried
        // A cell the server refused when the full grid was posted keeps its message
        // until the teacher edits it or saves it.
        serverError: td.classList.contains('grid__cell--error')
      };
      if (cells[key].serverError) cells[key].rejectedText = input.value;
    });

    // ------------------------------------------------------------ state marks

    function setState(cell, state) {
      if (state) cell.td.setAttribute('data-state', state);
      else cell.td.removeAttribute('data-state');
    }

    function errorId(cell) {
      return 'e-' + cell.key;
    }

    function showError(cell, message) {
      setState(cell, 'error');
      var span = document.getElementById(errorId(cell));
      if (!span) {
        span = document.createElement('span');
        span.className = 'grid__error';
        span.id = errorId(cell);
        cell.td.appendChild(span);
      }
      span.textContent = message;
      cell.input.setAttribute('aria-invalid', 'true');
      var described = (cell.input.getAttribute('aria-describedby') || '').split(/\s+/);
      if (described.indexOf(errorId(cell)) === -1) {
        described.push(errorId(cell));
        cell.input.setAttribute('aria-describedby', described.join(' ').trim());
      }
    }

    function clearError(cell) {
      var span = document.getElementById(errorId(cell));
      if (span && cell.td.contains(span)) span.parentNode.removeChild(span);
      cell.input.removeAttribute('aria-invalid');
      var described = (cell.input.getAttribute('aria-describedby') || '')
        .split(/\s+/)
        .filter(function (id) { return id && id !== errorId(cell); });
      if (described.length) cell.input.setAttribute('aria-describedby', described.join(' '));
      else cell.input.removeAttribute('aria-describedby');
      cell.td.classList.remove('grid__cell--error');
      cell.serverError = false;
      cell.rejectedText = null;
      cell.failed = false;
    }

    /** Whether the cell holds typing the server does not have. */
    function unsaved(cell) {
      return !same(cell.input.value, cell.original.value);
    }

    // ------------------------------------------------------------ storage

    function readStored() {
      var store = storage();
      if (!store || !storageKey) return {};
      try {
        var data = JSON.parse(store.getItem(storageKey) || '{}');
        return data && typeof data === 'object' ? data : {};
      } catch (error) {
        return {};
      }
    }

    function writeStored(data) {
      var store = storage();
      if (!store || !storageKey) return;
      try {
        if (Object.keys(data).length) store.setItem(storageKey, JSON.stringify(data));
        else store.removeItem(storageKey);
      } catch (error) {
        /* quota or blocked: the page still has the typing */
      }
    }

    function keep(cell) {
      var data = readStored();
      data[cell.key] = { text: cell.input.value, version: cell.baseVersion };
      writeStored(data);
    }

    function forget(cell) {
      var data = readStored();
      if (Object.prototype.hasOwnProperty.call(data, cell.key)) {
        delete data[cell.key];
        writeStored(data);
      }
    }

    // ------------------------------------------------------------ status

    var savingNoticeTimer = null;
    var lastOutcome = ''; // 'saved' | 'failed' | 'session' | 'limited' | ''
    var rateLimitSeconds = 0;

    var notice = ''; // shown before the status until the next edit ("Restored 3 …")

    function announce(text, tone) {
      if (!statusRegion) return;
      if (notice && text !== notice) text = notice + ' ' + text;
      if (statusRegion.textContent !== text) statusRegion.textContent = text;
      if (tone) statusRegion.setAttribute('data-tone', tone);
      else statusRegion.removeAttribute('data-tone');
    }

    function updateStatus() {
      var keys = Object.keys(cells);
      var problems = keys.filter(function (key) {
        var cell = cells[key];
        return cell.td.getAttribute('data-state') === 'error' || cell.serverError;
      }).length;
      var waiting = keys.some(function (key) {
        return cells[key].td.getAttribute('data-state') === 'pending';
      });
      if (lastOutcome === 'session') return announce(t('sessionEnded'), 'error');
      if (lastOutcome === 'failed') return announce(t('offline'), 'error');
      if (lastOutcome === 'server') return announce(t('serverError'), 'error');
      if (lastOutcome === 'limited') {
        return announce(t('rateLimited', { seconds: rateLimitSeconds }), 'error');
      }
      if (problems) return announce(t.plural('notSaved', problems), 'error');
      if (lastOutcome === 'saved') {
        return announce(waiting ? t('saved') : t('allSaved'), waiting ? '' : 'ok');
      }
      return undefined;
    }

    // ------------------------------------------------------------ autosave queue

    var queue = new Set(); // keys waiting to be sent
    var inFlight = null; // Map key -> text sent, for the one request in flight
    var idleTimers = {};
    var retryTimer = null;
    var retryDelay = RETRY_FIRST_MS;
    var submitting = false;

    /** Mark a cell as needing a save and send it (now, or after the request in flight). */
    function schedule(cell) {
      if (idleTimers[cell.key]) {
        clearTimeout(idleTimers[cell.key]);
        delete idleTimers[cell.key];
      }
      if (inFlight && inFlight.get(cell.key) === cell.input.value) return; // answer due
      if (!inFlight || !inFlight.has(cell.key)) {
        if (!unsaved(cell)) {
          settle(cell);
          return;
        }
        if (cell.rejectedText !== null && cell.input.value === cell.rejectedText) return;
      }
      if (!cell.failed) setState(cell, 'pending');
      queue.add(cell.key);
      flush();
    }

    /** A cell whose text is what the server has: nothing to save. */
    function settle(cell) {
      forget(cell);
      var state = cell.td.getAttribute('data-state');
      if (state === 'pending' || state === 'error') {
        clearError(cell);
        setState(cell, null);
      }
      updateStatus();
    }

    function flush() {
      if (inFlight || submitting || !autosaveUrl || !queue.size) return;
      if (navigator.onLine === false) {
        lastOutcome = 'failed';
        markFailed(Array.from(queue));
        planRetry();
        return;
      }
      var batch = [];
      Array.from(queue).forEach(function (key) {
        queue.delete(key);
        var cell = cells[key];
        if (!unsaved(cell)) {
          settle(cell);
        } else if (cell.rejectedText === null || cell.input.value !== cell.rejectedText) {
          batch.push(cell);
        }
      });
      if (batch.length) send(batch);
    }

    function planRetry(seconds) {
      if (retryTimer) clearTimeout(retryTimer);
      var delay = seconds ? seconds * 1000 : retryDelay;
      if (!seconds) retryDelay = Math.min(retryDelay * 2, RETRY_MAX_MS);
      retryTimer = setTimeout(retryNow, delay);
    }

    function retryNow() {
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = null;
      Object.keys(cells).forEach(function (key) {
        var cell = cells[key];
        if (cell.failed || cell.td.getAttribute('data-state') === 'pending') queue.add(key);
      });
      flush();
    }

    function csrfToken() {
      // The cookie is current even after a login in another tab rotated the token.
      return readCookie('csrftoken') || (tokenInput ? tokenInput.value : '');
    }

    function send(batch) {
      inFlight = new Map();
      var body = new URLSearchParams();
      var token = csrfToken();
      body.append('csrfmiddlewaretoken', token);
      batch.forEach(function (cell) {
        var text = cell.input.value;
        inFlight.set(cell.key, text);
        body.append('cell', cell.key);
        body.append('c-' + cell.key, text);
        body.append('v-' + cell.key, cell.version.value);
      });
      savingNoticeTimer = setTimeout(function () {
        if (inFlight) announce(t('saving'), '');
      }, SAVING_NOTICE_MS);

      var controller = typeof AbortController === 'function' ? new AbortController() : null;
      var timeout = controller
        ? setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS)
        : null;
      fetch(autosaveUrl, {
        method: 'POST',
        body: body,
        credentials: 'same-origin',
        redirect: 'follow',
        headers: {
          'X-CSRFToken': token,
          'X-Requested-With': 'XMLHttpRequest',
          Accept: 'application/json'
        },
        signal: controller ? controller.signal : undefined
      })
        .then(function (response) {
          return readAnswer(response);
        })
        .catch(function () {
          return { kind: 'failed' };
        })
        .then(function (answer) {
          if (timeout) clearTimeout(timeout);
          clearTimeout(savingNoticeTimer);
          var sent = inFlight;
          inFlight = null;
          handleAnswer(batch, sent, answer);
          flush();
        });
    }

    function readAnswer(response) {
      var type = response.headers.get('Content-Type') || '';
      var toLogin = response.redirected && response.url.indexOf(LOGIN_PATH) !== -1;
      if (toLogin) return { kind: 'session' };
      if (response.status === 429) {
        var seconds = parseInt(response.headers.get('Retry-After') || '', 10);
        return { kind: 'limited', seconds: seconds > 0 ? seconds : 30 };
      }
      if (type.indexOf('application/json') === -1) {
        if (response.status === 403 || response.status === 401) return { kind: 'session' };
        return { kind: 'failed', server: response.status >= 500 };
      }
      return response.json().then(
        function (data) {
          if (response.status === 200 && data && data.saved === true) {
            return { kind: 'saved', data: data };
          }
          if (response.status === 422 && data && data.saved === false) {
            return { kind: 'rejected', data: data };
          }
          return { kind: 'failed', server: true };
        },
        function () {
          return { kind: 'failed', server: true };
        }
      );
    }

    function markFailed(keys, message) {
      keys.forEach(function (key) {
        var cell = cells[key];
        if (!unsaved(cell)) return;
        cell.failed = true;
        showError(cell, message || t('offline'));
        keep(cell);
      });
    }

    // The server recomputes the term grades and class averages a save touched.
    function updateTotals(data) {
      var rows = (data && data.rows) || {};
      Object.keys(rows).forEach(function (studentId) {
        var td = form.querySelector('[data-total="' + studentId + '"]');
        if (!td) return;
        var total = rows[studentId];
        td.textContent = '';
        if (!total.percent) {
          td.textContent = '—';
          return;
        }
        var percent = document.createElement('span');
        percent.className = 'grid__percent';
        percent.textContent = total.percent;
        var letter = document.createElement('span');
        letter.className = 'grid__letter';
        letter.textContent = total.letter;
        td.append(percent, ' ', letter);
      });
      var columns = (data && data.columns) || {};
      Object.keys(columns).forEach(function (assessmentId) {
        var td = form.querySelector('[data-average="' + assessmentId + '"]');
        if (td) td.textContent = columns[assessmentId] || '—';
      });
    }

    function handleAnswer(batch, sent, answer) {
      if (answer.kind === 'saved') {
        retryDelay = RETRY_FIRST_MS;
        lastOutcome = 'saved';
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
            forget(cell);
            setState(cell, 'saved');
          } else {
            // Edited while the request was in flight: save the newer text next.
            setState(cell, 'pending');
            keep(cell);
            queue.add(cell.key);
          }
        });
        updateTotals(answer.data);
        // Cells that failed earlier can go now that the server answers.
        if (retryTimer) retryNow();
      } else if (answer.kind === 'rejected') {
        retryDelay = RETRY_FIRST_MS;
        if (lastOutcome !== 'saved') lastOutcome = '';
        var problems = (answer.data && answer.data.cells) || {};
        var general = (answer.data && answer.data.error) || '';
        var anyCell = Object.keys(problems).length > 0;
        batch.forEach(function (cell) {
          var problem = problems[cell.key];
          var sentText = sent.get(cell.key);
          cell.failed = false;
          if (!problem && anyCell) {
            // Refused only because another cell of the batch was: send it again alone.
            queue.add(cell.key);
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
            keep(cell); // still unsaved: kept (with the version it was typed on)
          } else {
            // Edited while the request was in flight: try the newer text.
            clearError(cell);
            cell.rejectedText = null;
            setState(cell, 'pending');
            keep(cell);
            queue.add(cell.key);
          }
        });
      } else {
        var message = answer.server ? t('serverError') : t('offline');
        lastOutcome = answer.kind === 'failed' && answer.server ? 'server' : answer.kind;
        if (answer.kind === 'limited') {
          rateLimitSeconds = answer.seconds;
          batch.forEach(function (cell) {
            setState(cell, 'pending');
            keep(cell);
          });
          planRetry(answer.seconds);
        } else {
          markFailed(batch.map(function (cell) { return cell.key; }), message);
          planRetry();
        }
        // Retried by the timer (or a new edit), not right away.
        batch.forEach(function (cell) {
          if (cell.input.value === sent.get(cell.key)) queue.delete(cell.key);
        });
      }
      updateStatus();
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

    // ------------------------------------------------------------ editing events

    form.addEventListener('input', function (event) {
      var cell = cellOf(event.target);
      if (!cell) return;
      notice = '';
      cell.rejectedText = null; // an edit: the teacher may send the same text again
      cell.baseVersion = cell.version.value;
      if (unsaved(cell)) {
        if (!cell.failed && cell.td.getAttribute('data-state') !== 'error') {
          setState(cell, 'pending');
        }
        keep(cell);
      } else {
        forget(cell);
      }
      if (idleTimers[cell.key]) clearTimeout(idleTimers[cell.key]);
      idleTimers[cell.key] = setTimeout(function () {
        delete idleTimers[cell.key];
        schedule(cell);
      }, IDLE_MS);
    });

    form.addEventListener('change', function (event) {
      var cell = cellOf(event.target);
      if (cell) schedule(cell);
    });

    form.addEventListener('focusout', function (event) {
      var cell = cellOf(event.target);
      if (cell && (idleTimers[cell.key] || cell.td.getAttribute('data-state') === 'pending')) {
        schedule(cell);
      }
    });

    function cellOf(target) {
      if (!target || !target.classList || !target.classList.contains('grid__input')) {
        return null;
      }
      return cells[target.getAttribute('data-cell')] || null;
    }

    // ------------------------------------------------------------ keyboard

    function focusCell(input) {
      if (!input) return false;
      input.focus();
      input.select();
      return true;
    }

    function neighbour(input, rowStep, columnStep) {
      var at = position.get(input);
      if (!at) return null;
      if (columnStep) return rows[at.row][at.column + columnStep] || null;
      var row = rows[at.row + rowStep];
      if (!row) return null;
      // The same assessment in that row (columns line up; checked by key).
      var assessment = (input.getAttribute('data-cell') || '').split('-')[1];
      var match = row.filter(function (other) {
        return (other.getAttribute('data-cell') || '').split('-')[1] === assessment;
      })[0];
      return match || row[at.column] || null;
    }

    form.addEventListener('keydown', function (event) {
      var input = event.target;
      if (!cellOf(input)) return;
      if (event.isComposing || event.keyCode === 229) return; // IME at work
      if (event.altKey || event.ctrlKey || event.metaKey) return;
      var start = input.selectionStart;
      var end = input.selectionEnd;
      var length = input.value.length;
      var allSelected = start === 0 && end === length;
      var target = null;
      switch (event.key) {
        case 'ArrowUp':
          if (event.shiftKey) return;
          target = neighbour(input, -1, 0);
          break;
        case 'ArrowDown':
          if (event.shiftKey) return;
          target = neighbour(input, 1, 0);
          break;
        case 'Enter':
          // Enter moves instead of posting the whole grid (the Save button does that).
          event.preventDefault();
          target = neighbour(input, event.shiftKey ? -1 : 1, 0);
          if (!target) {
            var cell = cellOf(input);
            if (cell) schedule(cell);
          }
          break;
        case 'ArrowLeft':
          if (event.shiftKey || !((start === 0 && end === 0) || allSelected)) return;
          target = neighbour(input, 0, -1);
          break;
        case 'ArrowRight':
          if (event.shiftKey || !((start === length && end === length) || allSelected)) return;
          target = neighbour(input, 0, 1);
          break;
        default:
          return;
      }
      if (target) {
        event.preventDefault();
        focusCell(target);
      }
    });

    // Focusing a cell selects its text; a click must not undo that selection.
    var selectOnMouseUp = null;
    form.addEventListener('focusin', function (event) {
      if (!cellOf(event.target)) return;
      event.target.select();
      selectOnMouseUp = event.target;
    });
    form.addEventListener('mouseup', function (event) {
      if (selectOnMouseUp && event.target === selectOnMouseUp) event.preventDefault();
      selectOnMouseUp = null;
    });
    form.addEventListener('mousedown', function (event) {
      if (event.target !== document.activeElement) return;
      selectOnMouseUp = null; // a click in the focused cell places the caret as usual
    });

    // ------------------------------------------------------------ paste a column

    form.addEventListener('paste', function (event) {
      var input = event.target;
      var first = cellOf(input);
      if (!first) return;
      var clipboard = event.clipboardData || window.clipboardData;
      if (!clipboard) return;
      var text = clipboard.getData('text/plain') || clipboard.getData('Text') || '';
      if (!/[\r\n]/.test(text)) return; // one line: the browser pastes as usual
      event.preventDefault();
      var lines = text.split(/\r\n|\r|\n/);
      if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
      var at = position.get(input);
      var changed = [];
      lines.forEach(function (line, index) {
        var row = at ? rows[at.row + index] : index === 0 ? [input] : null;
        if (!row) return;
        var target = index === 0 ? input : neighbour(input, index, 0);
        var cell = cellOf(target);
        if (!cell) return;
        cell.input.value = line.split('\t')[0].trim();
        cell.rejectedText = null;
        cell.baseVersion = cell.version.value;
        if (unsaved(cell)) {
          setState(cell, 'pending');
          keep(cell);
          changed.push(cell);
        } else {
          settle(cell);
        }
      });
      input.select();
      // One request for the whole column (or with the request after the one in flight).
      changed.forEach(function (cell) {
        if (idleTimers[cell.key]) {
          clearTimeout(idleTimers[cell.key]);
          delete idleTimers[cell.key];
        }
        queue.add(cell.key);
      });
      flush();
    });

    // ------------------------------------------------------------ full Save

    form.addEventListener('submit', function (event) {
      if (event.defaultPrevented) return;
      submitting = true;
      Object.keys(idleTimers).forEach(function (key) { clearTimeout(idleTimers[key]); });
      idleTimers = {};
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = null;
      // A login in another tab rotates the CSRF token: post the current one.
      var cookieToken = readCookie('csrftoken');
      if (cookieToken && tokenInput) tokenInput.value = cookieToken;
      // Post only the cells that differ from what the server has. Storage is kept:
      // entries are dropped when a later load (or autosave) shows them saved.
      Object.keys(cells).forEach(function (key) {
        var cell = cells[key];
        if (!unsaved(cell)) {
          cell.input.disabled = true;
          cell.original.disabled = true;
          cell.version.disabled = true;
        }
      });
    });

    // Back from the next page (back-forward cache): make the grid usable again.
    window.addEventListener('pageshow', function (event) {
      if (!event.persisted) return;
      submitting = false;
      Object.keys(cells).forEach(function (key) {
        var cell = cells[key];
        cell.input.disabled = false;
        cell.original.disabled = false;
        cell.version.disabled = false;
      });
      retryNow();
    });

    // ------------------------------------------------------------ leaving, coming back

    function hasUnsaved() {
      return Object.keys(cells).some(function (key) {
        var cell = cells[key];
        var state = cell.td.getAttribute('data-state');
        return state === 'pending' || state === 'error' || unsaved(cell);
      });
    }

    // Logging out with unsaved cells: the browser asks first (beforeunload). The typing
    // is forgotten only when the page really goes (pagehide); a teacher who stays, and
    // then types or clicks, keeps it.
    var logoutAt = 0;
    function forgetOnLeave() {
      logoutAt = Date.now();
    }
    ['keydown', 'pointerdown'].forEach(function (type) {
      document.addEventListener(type, function () { logoutAt = 0; }, true);
    });
    window.addEventListener('pagehide', function () {
      if (logoutAt && Date.now() - logoutAt < 120000) clearAllGradebookStorage();
    });

    window.addEventListener('beforeunload', function (event) {
      if (submitting || !hasUnsaved()) return undefined;
      event.preventDefault();
      event.returnValue = t('unsavedWarning');
      return event.returnValue;
    });

    window.addEventListener('online', retryNow);
    window.addEventListener('focus', function () {
      if (retryTimer) retryNow();
    });
    document.addEventListener('visibilitychange', function () {
      if (document.visibilityState === 'visible' && retryTimer) retryNow();
    });

    // ------------------------------------------------------------ on load

    (function restore() {
      var stored = readStored();
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
        queue.add(key);
      });
      if (changedStorage) writeStored(stored);

      // A grid the server refused (full Save): keep the refused cells' messages, and
      // save the other changed cells now.
      Object.keys(cells).forEach(function (key) {
        var cell = cells[key];
        if (queue.has(key) || !unsaved(cell)) return;
        keep(cell);
        if (cell.serverError) {
          setState(cell, 'error');
        } else {
          setState(cell, 'pending');
          queue.add(key);
        }
      });

      if (restored) {
        notice = t.plural('restored', restored);
        announce(notice, '');
      }
      flush();
    })();

    return { hasUnsaved: hasUnsaved, forgetOnLeave: forgetOnLeave };
  }

  function start() {
    var form = document.getElementById('gradebook-form');
    var grid = form ? enhance(form) : null;
    // Logging out on purpose forgets the unsaved typing of every grid (an expired
    // session keeps it, to be saved after logging in again).
    document.addEventListener('submit', function (event) {
      var target = event.target;
      if (!target || target.tagName !== 'FORM' || !isLogoutForm(target)) return;
      if (event.defaultPrevented) return;
      if (grid && grid.hasUnsaved()) grid.forgetOnLeave();
      else clearAllGradebookStorage();
    });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();

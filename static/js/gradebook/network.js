/* The one autosave request: a form-encoded POST of changed cells, answered in JSON.
 *
 * Answers are read into { kind: 'saved' | 'rejected' | 'failed' | 'session' |
 * 'limited', data, server, seconds }. */

var LOGIN_PATH = '/accounts/login/';
var REQUEST_TIMEOUT_MS = 20000;

export function readCookie(name) {
  var parts = document.cookie ? document.cookie.split(';') : [];
  for (var i = 0; i < parts.length; i += 1) {
    var part = parts[i].trim();
    if (part.slice(0, name.length + 1) === name + '=') {
      return decodeURIComponent(part.slice(name.length + 1));
    }
  }
  return '';
}

/** Post `entries` ([key, text, version] each) to `url`; resolves to an answer. */
export function postCells(url, token, entries) {
  var body = new URLSearchParams();
  body.append('csrfmiddlewaretoken', token);
  entries.forEach(function (entry) {
    body.append('cell', entry[0]);
    body.append('c-' + entry[0], entry[1]);
    body.append('v-' + entry[0], entry[2]);
  });
  var controller = typeof AbortController === 'function' ? new AbortController() : null;
  var timeout = controller
    ? setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS)
    : null;
  return fetch(url, {
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
      return answer;
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

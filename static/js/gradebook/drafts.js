/* Unsaved typing kept in sessionStorage, one entry per grid (its data-storage-key),
 * so that a reload, a crash or an ended session loses nothing. */

export var STORAGE_PREFIX = 'gradebook-';

export function storage() {
  try {
    return window.sessionStorage;
  } catch (error) {
    return null; // blocked (privacy settings): autosave still works
  }
}

/** Forget the drafts of every grid (logging out on purpose). */
export function clearAllGradebookStorage() {
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

/** The drafts of one grid: key -> { text, version it was typed on }. */
export function makeDrafts(storageKey) {
  function read() {
    var store = storage();
    if (!store || !storageKey) return {};
    try {
      var data = JSON.parse(store.getItem(storageKey) || '{}');
      return data && typeof data === 'object' ? data : {};
    } catch (error) {
      return {};
    }
  }

  function write(data) {
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
    var data = read();
    data[cell.key] = { text: cell.input.value, version: cell.baseVersion };
    write(data);
  }

  function forget(cell) {
    var data = read();
    if (Object.prototype.hasOwnProperty.call(data, cell.key)) {
      delete data[cell.key];
      write(data);
    }
  }

  return { read: read, write: write, keep: keep, forget: forget };
}

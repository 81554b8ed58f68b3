// The chat's user data (key → value): view it, add or change a key, delete a key.
// Changes come back as PropertiesUpdated with the whole user data, which re-renders the table.
import { el } from '../gws.js';

export function createUserData({ entry, operate, onError }) {
  const id = entry.id;
  const body = el('tbody');
  const table = el('table', { class: 'userdata' },
    el('caption', { class: 'visually-hidden' }, 'User data'),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Key'), el('th', { scope: 'col' }, 'Value'), el('th', { scope: 'col' }, el('span', { class: 'visually-hidden' }, 'Delete')))),
    body);
  const empty = el('p', { class: 'muted' }, 'No user data.');
  const key = el('input', { id: `ud-key-${id}`, autocomplete: 'off' });
  const value = el('input', { id: `ud-value-${id}`, autocomplete: 'off' });
  const save = el('button', { type: 'submit', class: 'secondary' }, 'Save key');
  const form = el('form', { class: 'ud-form' },
    el('label', { for: key.id }, 'Key'), key,
    el('label', { for: value.id }, 'Value'), value,
    el('div', { class: 'row' }, save));
  const node = el('section', { class: 'userdata-panel', 'aria-label': 'User data' }, el('h4', {}, 'User data'), table, empty, form);

  let caps = new Set();
  let data = {};

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const k = key.value.trim();
    if (!k) { onError('Enter a key.'); key.focus(); return; }
    const operationName = caps.has('UpdateUserData') ? 'UpdateUserData' : 'AttachUserData';
    try {
      await operate({ operationName, userData: { [k]: value.value } });
      key.value = '';
      value.value = '';
      key.focus();
    } catch (err) {
      onError(`Could not save ${k}: ${err.message}`);
    }
  });

  function render() {
    body.replaceChildren();
    const keys = Object.keys(data).sort();
    for (const k of keys) {
      const del = el('button', { type: 'button', class: 'secondary small', 'aria-label': `Delete ${k}` }, 'Delete');
      del.hidden = !caps.has('DeleteUserData');
      del.addEventListener('click', async () => {
        try { await operate({ operationName: 'DeleteUserData', keys: [k] }); } catch (err) { onError(`Could not delete ${k}: ${err.message}`); }
      });
      body.append(el('tr', { dataset: { key: k } }, el('th', { scope: 'row' }, k), el('td', {}, String(data[k])), el('td', {}, del)));
    }
    table.hidden = keys.length === 0;
    empty.hidden = keys.length > 0;
  }

  function update(chat) {
    caps = new Set(chat.capabilities || []);
    data = chat.userData || {};
    form.hidden = !(caps.has('UpdateUserData') || caps.has('AttachUserData'));
    render();
  }

  return { node, update };
}

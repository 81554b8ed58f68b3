// Lists the demo accounts on the landing page when the server runs with --demo.
async function showSiteInfo() {
  const r = await fetch('/web/site.json');
  if (!r.ok) return;
  const info = await r.json();
  document.getElementById('version').textContent = `version ${info.version}`;
  if (!info.demo) return;
  const rows = document.getElementById('demo-users');
  for (const u of info.users) {
    const tr = document.createElement('tr');
    for (const text of [u.userName, u.password, `${u.firstName} ${u.lastName}`, u.roles.join(', ')]) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.append(td);
    }
    rows.append(tr);
  }
  document.getElementById('demo').hidden = false;
}
showSiteInfo();

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
// A browser keeps one sign-in per site, so an agent and a supervisor signed in from one
// browser would share it. On this machine the server answers both as 127.0.0.1 and as
// localhost, two different sites to the browser: the console link uses the other name.
function separateSupervisorSite() {
  const other = { '127.0.0.1': 'localhost', localhost: '127.0.0.1' }[location.hostname];
  if (!other) return;
  const link = new URL('/supervisor', location.href);
  link.hostname = other;
  for (const a of document.querySelectorAll('a[href="/supervisor"]')) a.href = link.href;
  document.getElementById('separate-site').hidden = false;
}

separateSupervisorSite();
showSiteInfo();

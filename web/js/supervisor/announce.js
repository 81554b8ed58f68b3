// Short spoken updates for screen-reader users through the page's polite live region. Each
// announcement is a new line appended to the region (a log), so two updates in quick
// succession are both read instead of the second replacing the first; old lines are trimmed.
const KEEP = 5;

export function announce(text) {
  const region = document.getElementById('announcer');
  if (!region) return;
  const line = document.createElement('p');
  line.textContent = text;
  region.append(line);
  while (region.childElementCount > KEEP) region.firstElementChild.remove();
}

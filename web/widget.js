// Parley chat widget loader: the one classic <script> a shop puts on its pages.
//   <script src="https://chat.example.com/web/widget.js" data-service="customer-support" defer></script>
// It only finds out where Parley lives (from its own src, so it works on any origin) and
// loads the widget's modules from there; everything else happens in js/customer/.
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script || window.__parleyWidget) return; // a second copy of the tag is harmless
  window.__parleyWidget = true;
  // web/widget.js → the server base (the directory above /web/).
  var base = new URL('../', script.src).href;
  var options = {
    base: base,
    service: script.getAttribute('data-service') || 'customer-support',
    title: script.getAttribute('data-title') || 'Chat with us',
  };
  function start() {
    import(base + 'web/js/customer/main.js')
      .then(function (m) { return m.mount(options); })
      .catch(function (e) { console.error('Parley widget failed to load', e); });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();

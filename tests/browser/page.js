// The test page's script: the library straight from the static server, no
// bundler, as window.lib, or from the URL in ?lib= (another origin). Content
// Security Policy violations are collected in window.cspViolations.
window.cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
const from = new URLSearchParams(location.search).get('lib');
window.lib = await import(from ?? '../../js/index.js');

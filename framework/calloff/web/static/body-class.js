// GOV.UK Frontend styles some components differently when JavaScript runs. This is the
// template's one line of inline script, kept in a file so the Content-Security-Policy can
// forbid inline script altogether.
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '')

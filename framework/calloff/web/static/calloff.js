// Starts GOV.UK Frontend's components (the error summary's focus, the header's menu).
// Every page works without it.
import { initAll } from './govuk-frontend/govuk-frontend.min.js'

initAll()

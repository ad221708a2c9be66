// The configuration every page reads: /config.js (web/config.js in a deployment; written by the Host in Development).
import settings, { getToken } from '/config.js';

export const config = settings;
export { getToken };

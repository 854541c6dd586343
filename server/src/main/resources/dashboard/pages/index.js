// The dashboard's pages, in the order the navigation lists them. Each module exports {id, title, render(main, ctx)}
// where render returns a function that stops whatever the page started. A page with `requires` is listed only
// when the admin API documents that path in /openapi.json (the jobs page appears once the API has /jobs).
import overview from './overview.js';
import routes from './routes.js';
import upstreams from './upstreams.js';
import ratelimits from './ratelimits.js';
import cache from './cache.js';
import keys from './keys.js';
import users from './users.js';
import logs from './logs.js';
import jobs from './jobs.js';

export const pages = [overview, routes, upstreams, ratelimits, cache, keys, users, logs, jobs];

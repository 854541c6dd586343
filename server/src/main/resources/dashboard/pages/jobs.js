// Jobs: the async intake's queue depth, dead letters and replay. Listed in the navigation only once the admin API
// documents /jobs in /openapi.json (see `requires`); until then this module is a place to build it in.
import {h} from '../lib/dom.js';
import {emptyState} from '../lib/ui.js';

export default {
  id: 'jobs',
  title: 'Jobs',
  requires: '/jobs',
  render(main) {
    main.append(h('div', {class: 'page-head'}, h('h1', {}, 'Jobs')),
      emptyState('Jobs are not shown yet', 'This page lists queue depth, dead letters and replays once its view is written against the admin API\'s /jobs.'));
  },
};

// SPDX-License-Identifier: AGPL-3.0-or-later
// What `/` (or any unknown path) shows: how to join.
import { h, clear, footer } from '../dom.js';
import { langSwitch } from '../i18n.js';

export function renderHome(root) {
  clear(root).append(h('div.page', {},
    h('header.page-top', {}, h('span.brand', {}, 'Plenum'), langSwitch()),
    h('main.page-main', {},
      h('div.card.center', {},
        h('div.home-logo', { 'aria-hidden': 'true' }),
        h('h1', { i18n: 'home.title' }),
        h('p', { i18n: 'home.text' }))),
    footer()));
}

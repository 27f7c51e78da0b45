// SPDX-License-Identifier: AGPL-3.0-or-later
// Plenum's web client. One page for every path; this script routes on
// location.pathname:
//   /j/<token>           join (pick a name, or a personal link joins at once)
//   /m/<meeting>         the meeting: chair view for the chair, the same
//                        without the present controls for the secretary,
//                        else the reader
//   /m/<meeting>/screen  the room's projector
//   anything else        how to join
import { initI18n } from './js/i18n.js';
import { h, clear } from './js/dom.js';
import { MeetingClient } from './js/ws.js';
import { renderJoin } from './js/views/join.js';
import { renderHome } from './js/views/home.js';
import { connectingView, notJoinedView } from './js/views/common.js';
import { mountParticipant } from './js/views/participant.js';
import { mountChair } from './js/views/chair.js';
import { mountScreen } from './js/views/screen.js';

const root = document.getElementById('app');
let active = null; // {client, view} of the meeting on screen

function stopActive() {
  active?.view?.destroy();
  active?.client?.stop();
  active = null;
}

function route() {
  stopActive();
  const path = location.pathname;
  let m;
  if ((m = path.match(/^\/j\/([A-Za-z0-9_-]+)\/?$/))) {
    renderJoin(root, m[1], {
      onJoined(res) {
        const url = res.role === 'display' ? `/m/${res.meeting}/screen` : `/m/${res.meeting}`;
        // replaceState: "back" must not land on the join page (the token is spent).
        history.replaceState(null, '', url);
        route();
      },
    });
    return;
  }
  if ((m = path.match(/^\/m\/([a-z0-9]+)(\/screen)?\/?$/))) {
    openMeeting(m[1], !!m[2]);
    return;
  }
  renderHome(root);
}

function openMeeting(meetingId, screen) {
  clear(root).append(connectingView());
  const entry = { client: null, view: null };
  const client = new MeetingClient(meetingId, {
    onChange(change) {
      if (!entry.view) mount();
      else entry.view.update(change);
    },
    onStatus(s) {
      if (s === 'unauthorised') {
        entry.view?.destroy();
        entry.view = null;
        clear(root).append(notJoinedView());
        return;
      }
      entry.view?.status(s);
    },
  });
  entry.client = client;
  active = entry;

  function mount() {
    const you = client.you || {};
    if (you.meeting && you.meeting !== meetingId) {
      // The session on this device belongs to another meeting.
      client.stop();
      clear(root).append(notJoinedView());
      return;
    }
    if (you.role === 'display' && !screen) {
      history.replaceState(null, '', `/m/${meetingId}/screen`);
      screen = true;
    }
    if (screen) entry.view = mountScreen(root, client, meetingId);
    else if (you.role === 'chair') entry.view = mountChair(root, client);
    else if (you.role === 'secretary') entry.view = mountChair(root, client, { present: false });
    else entry.view = mountParticipant(root, client);
    document.title = `${client.state.meeting.title || ''} · Plenum`;
    entry.view.status(client.status);
  }

  client.start();
}

window.addEventListener('popstate', route);

initI18n()
  .catch((e) => console.error('i18n', e))
  .then(route)
  .catch((e) => {
    console.error(e);
    clear(root).append(h('p.fatal', {}, String(e)));
  });

// Live updates of a post's page (live.py sends them): new comments appear,
// and the count of readers changes, without a reload. A WebSocket carries
// them; where one can't open, as under a WSGI server, server-sent events
// do. After the connection drops (the server restarted, say), the page
// connects again and fetches the comments it missed.
"use strict";

(() => {
  const section = document.getElementById("live");
  const list = document.getElementById("comments");
  const none = document.getElementById("no-comments");
  const readers = document.getElementById("readers");
  // Wait this long before connecting again, doubling up to the maximum.
  const FIRST_DELAY = 250;
  const MAX_DELAY = 8000;
  let delay = FIRST_DELAY;
  let socketOpened = false;

  function lastId() {
    const ids = Array.from(list.children, (item) => Number(item.dataset.id));
    return Math.max(0, ...ids);
  }

  // Add the comments of an HTML fragment that the page doesn't show yet.
  function add(html) {
    const fragment = document.createElement("template");
    fragment.innerHTML = html;
    for (const item of Array.from(fragment.content.children)) {
      if (!document.getElementById(item.id)) list.append(item);
    }
    none.hidden = list.children.length > 0;
  }

  async function catchUp() {
    try {
      const response = await fetch(`${section.dataset.since}?after=${lastId()}`);
      if (response.ok) add(await response.text());
    } catch {
      // Offline again: the next connection catches up.
    }
  }

  function receive(data) {
    const message = JSON.parse(data);
    if (message.type === "comment") {
      add(message.html);
    } else if (message.type === "readers") {
      const people = message.count === 1 ? "person" : "people";
      readers.textContent = `${message.count} ${people} reading now`;
    }
  }

  function overEvents() {
    section.dataset.transport = "events";
    const source = new EventSource(section.dataset.events);
    // Called again each time the browser reconnects by itself.
    source.onopen = catchUp;
    source.onmessage = (event) => receive(event.data);
  }

  function overSocket() {
    const socket = new WebSocket(section.dataset.socket);
    socket.onopen = () => {
      section.dataset.transport = "websocket";
      socketOpened = true;
      delay = FIRST_DELAY;
      catchUp();
    };
    socket.onmessage = (event) => receive(event.data);
    socket.onclose = () => {
      if (!socketOpened) {
        // The first one never opened: the server takes no WebSockets.
        overEvents();
        return;
      }
      readers.textContent = "Reconnecting…";
      setTimeout(overSocket, delay);
      delay = Math.min(delay * 2, MAX_DELAY);
    };
  }

  if ("WebSocket" in window) {
    overSocket();
  } else {
    overEvents();
  }
})();

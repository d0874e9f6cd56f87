// What both pages share: reading the URL, the theme, sizing, and the
// one-line error that replaces the overlay when the URL is wrong.
(function (root) {
  "use strict";

  const O = root.GobanOverlay;

  function showError(message) {
    const line = document.createElement("p");
    line.className = "error";
    line.textContent = `goban overlay: ${message}`;
    document.body.replaceChildren(line);
    document.body.dataset.error = message;
    console.error(line.textContent);
  }

  // `body[data-connection]` mirrors the broker link for a tester or a
  // stylesheet; the cards show it as a banner.
  function setConnection(state) {
    document.body.dataset.connection = state;
  }

  function start(view, run) {
    document.body.dataset.view = view;
    try {
      const config = O.params.parse(root.location.search, root.location, view);
      document.body.dataset.theme = config.theme;
      run(config);
    } catch (e) {
      showError(e.message);
    }
  }

  function setCardWidth(node, px) {
    node.style.setProperty("--card-w", `${Math.max(80, Math.floor(px))}px`);
  }

  // Without size=, the single board fills the browser source; the info bar
  // below it takes about 0.11 of the width.
  function fitToWindow(node, info) {
    const fit = () => setCardWidth(node, Math.min(root.innerWidth, root.innerHeight / (info ? 1.12 : 1)));
    fit();
    root.addEventListener("resize", fit);
  }

  O.page = { start, showError, setConnection, setCardWidth, fitToWindow };
})(window);

// grid.html: many boards for a tournament hall, e.g.
// ?boards=table-1,table-2 (in that order) or no boards= for every board
// that publishes under the prefix, sorted by board id.
(function (root) {
  "use strict";

  const O = root.GobanOverlay;

  O.page.start("grid", (config) => {
    const container = document.getElementById("overlay");
    container.classList.add("grid");
    container.style.setProperty("--card-w", `${config.size || 320}px`);
    if (config.columns) container.style.setProperty("--columns", String(config.columns));
    const boards = new Map(); // board id -> {model, card}
    let connection = "connecting";

    const draw = (entry) => entry.card.update(entry.model.view(), connection);

    function entryFor(id) {
      let entry = boards.get(id);
      if (entry) return entry;
      const card = O.render.createCard(container, { coords: config.coords, info: config.info, label: id });
      if (config.boards === null) {
        const next = [...boards.keys()].filter((other) => other > id).sort()[0];
        if (next !== undefined) container.insertBefore(card.root, boards.get(next).card.root);
      }
      entry = { model: new O.model.BoardModel(id), card };
      boards.set(id, entry);
      draw(entry);
      return entry;
    }

    if (config.boards) config.boards.forEach(entryFor);
    O.feed.connect(config, config.boards, {
      onMessage(board, leaf, text) {
        const entry = entryFor(board);
        if (O.model.applyMessage(entry.model, leaf, text)) draw(entry);
      },
      onConnection(state) {
        connection = state;
        O.page.setConnection(state);
        boards.forEach(draw);
      },
    });
  });
})(window);

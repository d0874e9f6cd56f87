// index.html: one board, e.g. ?board=table-1&broker=ws://broker.lan:9001
(function (root) {
  "use strict";

  const O = root.GobanOverlay;

  O.page.start("single", (config) => {
    const model = new O.model.BoardModel(config.board);
    const card = O.render.createCard(document.getElementById("overlay"), { coords: config.coords, info: config.info });
    if (config.size) O.page.setCardWidth(card.root, config.size);
    else O.page.fitToWindow(card.root, config.info);
    let connection = "connecting";
    const draw = () => card.update(model.view({ black: config.black, white: config.white }), connection);
    draw();
    O.feed.connect(config, [config.board], {
      onMessage(board, leaf, text) {
        if (board === config.board && O.model.applyMessage(model, leaf, text)) draw();
      },
      onConnection(state) {
        connection = state;
        O.page.setConnection(state);
        draw();
      },
    });
  });
})(window);

// Draws one board card: the goban as SVG (grid, star points, coordinates,
// stones, last-move marker) and an info bar (players, prisoners, move number).
// Text from the network only ever goes through textContent.
(function (root) {
  "use strict";

  const SVG = "http://www.w3.org/2000/svg";
  const LETTERS = "ABCDEFGHJKLMNOPQRSTUVWXYZ"; // Go skips I
  const BANNERS = {
    waiting: "Waiting for the board\u2026",
    offline: "Board offline",
    "camera-lost": "Camera lost",
    connecting: "Connecting to the broker\u2026",
    disconnected: "No connection to the broker",
  };

  function el(name, attrs, parent) {
    const node = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (parent) parent.appendChild(node);
    return node;
  }

  function html(tag, className, parent) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (parent) parent.appendChild(node);
    return node;
  }

  function starPoints(size) {
    if (size < 7) return [];
    const edge = size >= 13 ? 3 : 2;
    const lines = [edge, size - 1 - edge];
    const odd = size % 2 === 1;
    const mid = (size - 1) / 2;
    const points = [];
    for (const r of lines) for (const c of lines) points.push([r, c]);
    if (odd) points.push([mid, mid]);
    if (odd && size >= 15) {
      for (const e of lines) points.push([e, mid], [mid, e]);
    }
    return points;
  }

  // Grid unit = 1; point (row, col) sits at (margin + col, margin + row).
  function drawGoban(svg, view, coords) {
    const n = view.size || 19;
    const margin = coords ? 1.35 : 0.75;
    const extent = 2 * margin + n - 1;
    svg.replaceChildren();
    svg.setAttribute("viewBox", `0 0 ${extent} ${extent}`);
    svg.dataset.size = String(n);
    el("rect", { class: "board-bg", x: 0, y: 0, width: extent, height: extent, rx: 0.25 }, svg);
    const at = (i) => margin + i;
    let d = "";
    for (let i = 0; i < n; i++) {
      d += `M${at(0)} ${at(i)}H${at(n - 1)}M${at(i)} ${at(0)}V${at(n - 1)}`;
    }
    el("path", { class: "lines", d, "stroke-width": 0.045, fill: "none" }, svg);
    for (const [r, c] of starPoints(n)) el("circle", { class: "star", cx: at(c), cy: at(r), r: 0.11 }, svg);
    if (coords) {
      const labels = el("g", { class: "coords", "font-size": 0.5, "text-anchor": "middle", "dominant-baseline": "central" }, svg);
      for (let i = 0; i < n; i++) {
        for (const y of [margin / 2 - 0.05, extent - margin / 2 + 0.05]) {
          el("text", { class: "coord", x: at(i), y }, labels).textContent = LETTERS[i];
        }
        for (const x of [margin / 2 - 0.05, extent - margin / 2 + 0.05]) {
          el("text", { class: "coord", x, y: at(i) }, labels).textContent = String(n - i);
        }
      }
    }
    if (!view.rows) return;
    const stones = el("g", { class: "stones" }, svg);
    view.rows.forEach((row, r) => {
      for (let c = 0; c < row.length; c++) {
        const ch = row[c];
        if (ch === ".") continue;
        el("circle", {
          class: ch === "B" ? "stone black" : "stone white",
          "data-row": r, "data-col": c, cx: at(c), cy: at(r), r: 0.47,
        }, stones);
      }
    });
    const last = view.lastMove;
    if (last && last.point) {
      const [r, c] = last.point;
      const on = view.rows[r][c];
      if (on !== ".") {
        el("circle", {
          class: `last-move on-${on === "B" ? "black" : "white"}`,
          "data-row": r, "data-col": c, cx: at(c), cy: at(r), r: 0.2, "stroke-width": 0.08, fill: "none",
        }, svg);
      }
    }
  }

  function playerBlock(parent, color) {
    const block = html("div", `player ${color}`, parent);
    html("span", `swatch ${color}`, block);
    const text = html("div", "text", block);
    const name = html("div", "name", text);
    const prisoners = html("div", "prisoners", text);
    prisoners.title = "prisoners";
    return { block, name, prisoners };
  }

  // options: {coords, info, label}; returns {root, update(view, connection)}.
  function createCard(parent, options) {
    const card = html("section", "card", parent);
    if (options.label) html("div", "label", card).textContent = options.label;
    const wrap = html("div", "board-wrap", card);
    const svg = el("svg", { class: "goban", xmlns: SVG, role: "img" }, wrap);
    const banner = html("div", "banner", wrap);
    const info = html("div", "info", card);
    info.hidden = !options.info;
    const black = playerBlock(info, "black");
    const moveNumber = html("div", "move-number", info);
    const white = playerBlock(info, "white");

    function update(view, connection) {
      // Broker trouble hides whatever the board last said: it may be stale.
      const condition = connection === "connected" ? view.condition : connection;
      card.dataset.board = view.boardId;
      card.dataset.condition = condition;
      card.dataset.moveNumber = view.moveNumber === null ? "" : String(view.moveNumber);
      banner.textContent = BANNERS[condition] || "";
      banner.hidden = condition === "live";
      drawGoban(svg, view, options.coords);
      svg.setAttribute("aria-label", `${view.boardId}: move ${view.moveNumber ?? "-"}`);
      for (const [player, color] of [[black, "b"], [white, "w"]]) {
        const named = color === "b" ? view.black : view.white;
        player.name.textContent = named || (color === "b" ? "Black" : "White");
        player.prisoners.textContent = view.prisoners ? String(view.prisoners[color]) : "";
        player.block.classList.toggle("to-play", view.toPlay === color && condition === "live");
      }
      moveNumber.textContent = view.moveNumber === null ? "" : `Move ${view.moveNumber}`;
    }

    return { root: card, update };
  }

  root.GobanOverlay = root.GobanOverlay || {};
  root.GobanOverlay.render = { createCard, drawGoban, starPoints, BANNERS };
})(window);

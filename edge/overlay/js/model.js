// What the overlay knows about one board, built from its MQTT topics
// (docs/mqtt.md). The retained `state` is the truth; `move` events only
// bring the picture forward between two states so a move shows at once.
(function (root) {
  "use strict";

  const ROW = /^[.BW]+$/;
  const CONTROL = /[\u0000-\u001f\u007f]/;
  const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
  // `camera` values of `status` that mean the board cannot see the game.
  const CAMERA_LOST = ["lost", "stalled", "absent"];

  const isInt = (v) => Number.isInteger(v);
  const isColor = (v) => v === "b" || v === "w";
  const isTime = (v) => typeof v === "string" && TIME.test(v);
  const isName = (v) => typeof v === "string" && v.length >= 1 && v.length <= 64 && !CONTROL.test(v);

  function rowsProblem(rows, size) {
    if (!Array.isArray(rows) || rows.length !== size) return `rows must be ${size} strings`;
    for (const row of rows) {
      if (typeof row !== "string" || row.length !== size || !ROW.test(row)) {
        return `rows must be ${size} strings of ${size} '.', 'B' or 'W'`;
      }
    }
    return null;
  }

  function pointProblem(point, size) {
    if (point === null) return null;
    if (!Array.isArray(point) || point.length !== 2 || !point.every((x) => isInt(x) && x >= 0 && x < size)) {
      return `point ${JSON.stringify(point)} is not [row, col] on a ${size}x${size} board`;
    }
    return null;
  }

  function stateProblem(s) {
    if (s === null || typeof s !== "object" || Array.isArray(s)) return "not a JSON object";
    if (s.v !== 1) return `schema version ${JSON.stringify(s.v)} is not 1`;
    if (!isInt(s.size) || s.size < 2 || s.size > 25) return "size must be an integer in 2..25";
    const rows = rowsProblem(s.rows, s.size);
    if (rows) return rows;
    if (!isInt(s.move_number) || s.move_number < 0) return "move_number must be a non-negative integer";
    if (!isColor(s.to_play)) return "to_play must be 'b' or 'w'";
    const p = s.prisoners;
    if (!p || !isInt(p.b) || !isInt(p.w) || p.b < 0 || p.w < 0) return "prisoners must be {b, w} counts";
    if (typeof s.game_id !== "string") return "game_id must be a string";
    const last = s.last_move;
    if (last !== null) {
      if (!last || !isColor(last.color)) return "last_move must be null or {color, point}";
      const point = pointProblem(last.point, s.size);
      if (point) return `last_move: ${point}`;
    }
    for (const key of ["black", "white"]) {
      if (s[key] !== undefined && s[key] !== null && !isName(s[key])) return `${key} must be null or a name`;
    }
    return null;
  }

  function moveProblem(m) {
    if (m === null || typeof m !== "object" || Array.isArray(m)) return "not a JSON object";
    if (m.v !== 1) return `schema version ${JSON.stringify(m.v)} is not 1`;
    if (typeof m.stream !== "string" || !isInt(m.seq)) return "stream and seq are required";
    if (!isInt(m.size) || !isInt(m.move_number) || typeof m.game_id !== "string") {
      return "size, move_number and game_id are required";
    }
    if (m.kind === "move") {
      if (!isColor(m.color)) return "a move needs color 'b' or 'w'";
      const point = pointProblem(m.point, m.size);
      if (point || m.point === null) return point || "a move needs a point";
      for (const p of m.captured || []) {
        const bad = pointProblem(p, m.size);
        if (bad || p === null) return `captured: ${bad || "null point"}`;
      }
    } else if (m.kind === "pass") {
      if (!isColor(m.color)) return "a pass needs color 'b' or 'w'";
    } else if (m.kind === "correction") {
      const rows = rowsProblem(m.rows, m.size);
      if (rows) return rows;
    } else {
      return `kind ${JSON.stringify(m.kind)} is not move, pass or correction`;
    }
    return null;
  }

  function setPoint(rows, point, char) {
    const [r, c] = point;
    rows[r] = rows[r].slice(0, c) + char + rows[r].slice(c + 1);
  }

  // SGF text values escape `]` and `\` with a backslash.
  function sgfProperty(sgf, key) {
    const match = new RegExp(`(?:^|[;\\s\\]])${key}\\[((?:\\\\[\\s\\S]|[^\\]\\\\])*)\\]`).exec(sgf);
    if (!match) return null;
    const value = match[1].replace(/\\\r?\n/g, "").replace(/\\([\s\S])/g, "$1").replace(/\s+/g, " ").trim();
    return value === "" ? null : value.slice(0, 64);
  }

  class BoardModel {
    constructor(boardId, log) {
      this.boardId = boardId;
      this.log = log || ((message) => console.warn(message));
      this.state = null;
      this.available = null;
      this.camera = null;
      this.sgfNames = { black: null, white: null };
      this.lastSeq = new Map(); // stream -> last seq applied
    }

    // Each apply* returns whether the picture may have changed.
    applyState(payload) {
      const problem = stateProblem(payload);
      if (problem) {
        this.log(`goban overlay: ignored state of ${this.boardId}: ${problem}`);
        return false;
      }
      const last = payload.last_move;
      this.state = {
        gameId: payload.game_id,
        size: payload.size,
        rows: payload.rows.slice(),
        moveNumber: payload.move_number,
        toPlay: payload.to_play,
        prisoners: { b: payload.prisoners.b, w: payload.prisoners.w },
        lastMove: last === null ? null : { color: last.color, point: last.point },
        black: payload.black || null,
        white: payload.white || null,
        time: payload.time,
      };
      return true;
    }

    applyMove(payload) {
      const problem = moveProblem(payload);
      if (problem) {
        this.log(`goban overlay: ignored move of ${this.boardId}: ${problem}`);
        return false;
      }
      // A repeated seq is a duplicate delivery (docs/mqtt.md, sequence numbers).
      const seen = this.lastSeq.get(payload.stream);
      if (seen !== undefined && payload.seq <= seen) return false;
      this.lastSeq.set(payload.stream, payload.seq);
      const s = this.state;
      // Without a state of the same game the event has nothing to build on;
      // the board republishes `state` after it, which brings the new game.
      if (s === null || payload.game_id !== s.gameId || payload.size !== s.size) return false;
      // After a reconnection the board sends `state` first, then its backlog
      // of unacknowledged events: those made before the state are already in
      // it, and a stale correction would take the picture back. The board
      // stamps both; ISO times of one format compare as strings.
      if (isTime(payload.time) && isTime(s.time) && payload.time < s.time) return false;
      if (isTime(payload.time)) s.time = payload.time;
      if (payload.kind === "correction") {
        s.rows = payload.rows.slice();
        s.moveNumber = payload.move_number;
        const lm = s.lastMove;
        if (lm && lm.point && s.rows[lm.point[0]][lm.point[1]] !== lm.color.toUpperCase()) s.lastMove = null;
        return true;
      }
      // The state may already hold this move (it can be published first).
      if (payload.move_number <= s.moveNumber) return false;
      if (payload.kind === "move") {
        setPoint(s.rows, payload.point, payload.color.toUpperCase());
        const captured = payload.captured || [];
        for (const p of captured) setPoint(s.rows, p, ".");
        s.prisoners[payload.color] += captured.length;
        s.lastMove = { color: payload.color, point: payload.point };
      } else {
        s.lastMove = { color: payload.color, point: null };
      }
      s.moveNumber = payload.move_number;
      s.toPlay = payload.color === "b" ? "w" : "b";
      return true;
    }

    applyAvailable(word) {
      if (word !== "online" && word !== "offline") {
        this.log(`goban overlay: ignored available of ${this.boardId}: ${JSON.stringify(word.slice(0, 20))}`);
        return false;
      }
      this.available = word;
      return true;
    }

    applyStatus(payload) {
      if (!payload || typeof payload.camera !== "string") return false;
      this.camera = payload.camera;
      return true;
    }

    applySgf(payload) {
      if (!payload || typeof payload.sgf !== "string") return false;
      this.sgfNames = { black: sgfProperty(payload.sgf, "PB"), white: sgfProperty(payload.sgf, "PW") };
      return true;
    }

    // What the page shows. Names: the URL's override, else the state's,
    // else the SGF record's PB/PW.
    view(overrides) {
      const o = overrides || {};
      const s = this.state;
      let condition = "live";
      if (this.available === "offline") condition = "offline";
      else if (s === null) condition = "waiting";
      else if (CAMERA_LOST.includes(this.camera)) condition = "camera-lost";
      return {
        boardId: this.boardId,
        condition,
        size: s ? s.size : null,
        rows: s ? s.rows : null,
        moveNumber: s ? s.moveNumber : null,
        toPlay: s ? s.toPlay : null,
        prisoners: s ? s.prisoners : null,
        lastMove: s ? s.lastMove : null,
        black: o.black || (s && s.black) || this.sgfNames.black,
        white: o.white || (s && s.white) || this.sgfNames.white,
      };
    }
  }

  // One entry point for a message of any topic of the board.
  function applyMessage(model, leaf, text) {
    if (leaf === "available") return model.applyAvailable(text.trim());
    let payload;
    try {
      payload = JSON.parse(text);
    } catch (e) {
      model.log(`goban overlay: ignored ${leaf} of ${model.boardId}: not JSON`);
      return false;
    }
    if (leaf === "state") return model.applyState(payload);
    if (leaf === "move") return model.applyMove(payload);
    if (leaf === "sgf") return model.applySgf(payload);
    if (leaf === "status") return model.applyStatus(payload);
    return false;
  }

  root.GobanOverlay = root.GobanOverlay || {};
  root.GobanOverlay.model = { BoardModel, applyMessage, sgfProperty };
})(window);

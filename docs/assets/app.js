// kiln docs: a dependency-free single-page site. Data comes from two
// scripts written by `kiln docs generate`: KILN_INDEX (every node, its
// parents and its precomputed layout position) and KILN_DETAILS (rendered
// descriptions, columns and SQL), loaded after the first paint.
//
// Safety: descriptions arrive as HTML already sanitised by the generator
// (goldmark without raw HTML); every other string is inserted as text.
(function () {
  'use strict';
  var IX = window.KILN_INDEX;
  var N = IX.nodes;
  var NN = N.length;
  var byId = new Map();
  var children = new Array(NN);
  var testsOf = new Array(NN);
  var i, j;
  for (i = 0; i < NN; i++) { children[i] = []; testsOf[i] = []; byId.set(N[i].id, i); }
  for (i = 0; i < NN; i++) {
    var ps = N[i].p || [];
    for (j = 0; j < ps.length; j++) {
      children[ps[j]].push(i);
      if (N[i].t === 'test') testsOf[ps[j]].push(i);
    }
  }
  // drawn in the lineage graph: has a layout position (models, sources,
  // seeds, snapshots, exposures, analyses that are not docs.show: false)
  function inGraph(k) { return N[k].x !== undefined; }

  var DETAILS = window.KILN_DETAILS || null;
  var detailWaiters = [];
  function withDetails(fn) {
    if (DETAILS) { fn(); return; }
    detailWaiters.push(fn);
  }
  function loadDetails() {
    if (DETAILS) return;
    var s = document.createElement('script');
    s.src = window.KILN_DETAILS_SRC || 'kiln-docs/details.js';
    s.onload = function () {
      DETAILS = window.KILN_DETAILS || [];
      var w = detailWaiters; detailWaiters = [];
      w.forEach(function (f) { f(); });
    };
    s.onerror = function () { DETAILS = []; detailWaiters.forEach(function (f) { f(); }); detailWaiters = []; };
    document.body.appendChild(s);
  }

  // ---------- small DOM helpers ----------
  function h(tag, attrs) {
    var el = document.createElement(tag);
    if (attrs) for (var k in attrs) {
      var v = attrs[k];
      if (v == null || v === false) continue;
      if (k === 'text') el.textContent = v;
      else if (k === 'html') el.innerHTML = v; // only sanitised description HTML
      else if (k === 'cls') el.className = v;
      else if (k.slice(0, 2) === 'on') el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v);
    }
    for (var a = 2; a < arguments.length; a++) add(el, arguments[a]);
    return el;
  }
  function add(el, c) {
    if (c == null || c === false) return;
    if (Array.isArray(c)) { c.forEach(function (x) { add(el, x); }); return; }
    el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  function $(id) { return document.getElementById(id); }
  function esc(s) { return String(s).replace(/[&<>"']/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]; }); }
  function nodeHref(k) { return '#/node/' + encodeURIComponent(N[k].id); }
  function css(name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim(); }
  var TYPE_LABEL = { model: 'model', source: 'source', seed: 'seed', snapshot: 'snapshot', exposure: 'exposure', analysis: 'analysis', test: 'test', unit_test: 'unit test', macro: 'macro' };
  function typeColor(t) { return css('--' + (t === 'unit_test' ? 'test' : t)) || '#888'; }
  function nodeColor(k) { return N[k].c || typeColor(N[k].t); }
  function badge(k) { return h('span', { cls: 'badge', style: 'background:' + typeColor(N[k].t), text: TYPE_LABEL[N[k].t] || N[k].t }); }
  function link(k) { return h('a', { href: nodeHref(k), text: N[k].n }); }
  function relName(n) { return [n.db, n.s, n.r].filter(Boolean).join('.'); }

  // ---------- SQL highlighting (own tokenizer; Jinja aware) ----------
  var KW = new Set(('select from where group by order having limit offset join left right inner outer full cross on using as and or not in is null ' +
    'case when then else end with union all distinct intersect except insert into update delete create replace table view or ' +
    'values set cast like ilike between exists asc desc over partition window rows range unbounded preceding following current row ' +
    'true false interval date timestamp qualify lateral recursive materialized if begin commit rollback grant alter drop ' +
    'primary key references default unique check constraint natural any some filter within nulls first last coalesce').split(' '));
  var TOK = /(--[^\n]*|\/\*[\s\S]*?\*\/|\{#[\s\S]*?#\}|\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}|'(?:[^']|'')*'?|"(?:[^"]|"")*"?|\b\d+(?:\.\d+)?\b|[A-Za-z_][A-Za-z0-9_$]*)/g;
  function highlight(sql) {
    var out = '', last = 0, m;
    TOK.lastIndex = 0;
    while ((m = TOK.exec(sql))) {
      out += esc(sql.slice(last, m.index));
      var t = m[0], c = t.charCodeAt(0), cls = '';
      if (t.slice(0, 2) === '--' || t.slice(0, 2) === '/*' || t.slice(0, 2) === '{#') cls = 'c';
      else if (t.slice(0, 2) === '{{' || t.slice(0, 2) === '{%') cls = 'j';
      else if (c === 39) cls = 's';
      else if (c === 34) cls = '';
      else if (c >= 48 && c <= 57) cls = 'n';
      else if (KW.has(t.toLowerCase())) cls = 'k';
      else if (sql.charAt(TOK.lastIndex) === '(') cls = 'f';
      out += cls ? '<span class="' + cls + '">' + esc(t) + '</span>' : esc(t);
      last = TOK.lastIndex;
    }
    return out + esc(sql.slice(last));
  }

  // ---------- selection syntax (kiln/dbt) ----------
  // A union (space) of intersections (comma) of criteria such as
  // 2+orders+, @stg_orders, tag:finance, path:models/marts, resource_type:seed,
  // source:shop.orders, package:x, config.materialized:table.
  function globRe(p) {
    return new RegExp('^' + p.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  }
  function matcher(method, value) {
    var re = globRe(value);
    var hasGlob = /[*?]/.test(value);
    function fqnMatch(n) {
      if (!n.q) return false;
      if (re.test(n.q.join('.'))) return true;
      var parts = value.split('.');
      function prefix(off) {
        if (parts.length > n.q.length - off) return false;
        for (var p = 0; p < parts.length; p++) if (!globRe(parts[p]).test(n.q[p + off])) return false;
        return true;
      }
      return prefix(0) || prefix(1);
    }
    switch (method) {
      case '':
        if (/[\/\\]/.test(value) || /\.(sql|csv|yml|yaml|py)$/.test(value)) return matcher('path', value);
        return function (n) { return re.test(n.n) || (n.t === 'source' && re.test(n.n.split('.').pop())) || fqnMatch(n); };
      case 'fqn': return fqnMatch;
      case 'tag': return function (n) { return (n.g || []).some(function (t) { return re.test(t); }); };
      case 'resource_type': return function (n) { return n.t === value; };
      case 'package': return function (n) { return re.test(n.pk); };
      case 'path': {
        var v = value.replace(/\/+$/, '');
        return function (n) {
          if (!n.f) return false;
          return hasGlob ? re.test(n.f) : (n.f === v || n.f.indexOf(v + '/') === 0);
        };
      }
      case 'file': return function (n) { return n.f && re.test(n.f.split('/').pop()); };
      case 'source': return function (n) {
        if (n.t !== 'source') return false;
        var parts = value.split('.');
        if (parts.length === 1) return globRe(parts[0]).test(n.src);
        return globRe(parts.slice(-2)[0]).test(n.src) && globRe(parts.slice(-1)[0]).test(n.n.slice(n.src.length + 1));
      };
      case 'exposure': return function (n) { return n.t === 'exposure' && re.test(n.n); };
      case 'config.materialized': return function (n) { return n.m && re.test(n.m); };
    }
    throw new Error("unknown selection method '" + method + "' (this site supports tag:, path:, file:, fqn:, package:, resource_type:, source:, exposure:, config.materialized:)");
  }
  var CRIT = /^(@)?(\d*\+)?([^+]*?)(\+\d*)?$/;
  function evalCriterion(txt) {
    var m = CRIT.exec(txt);
    if (!m || !m[3]) throw new Error("cannot read selector '" + txt + "'");
    var at = !!m[1], up = m[2], body = m[3], down = m[4];
    var method = '', value = body, ci = body.indexOf(':');
    if (ci > 0) { method = body.slice(0, ci); value = body.slice(ci + 1); }
    if (!value) throw new Error("selector '" + txt + "' has no value after ':'");
    var test = matcher(method, value);
    var set = new Uint8Array(NN), seeds = [];
    for (var k = 0; k < NN; k++) if (test(N[k])) { set[k] = 1; seeds.push(k); }
    function walk(start, next, depth) {
      var frontier = start.slice(), d = 0;
      while (frontier.length && (depth < 0 || d < depth)) {
        var nf = [];
        for (var a = 0; a < frontier.length; a++) {
          var ns = next(frontier[a]);
          for (var b = 0; b < ns.length; b++) if (!set[ns[b]]) { set[ns[b]] = 1; nf.push(ns[b]); }
        }
        frontier = nf; d++;
      }
    }
    var parentsOf = function (k) { return N[k].p || []; }, childrenOf = function (k) { return children[k]; };
    if (at) {
      var desc = new Uint8Array(NN), stack = seeds.slice();
      seeds.forEach(function (k) { desc[k] = 1; });
      while (stack.length) { var x = stack.pop(); children[x].forEach(function (c) { if (!desc[c]) { desc[c] = 1; set[c] = 1; stack.push(c); } }); }
      var all = []; for (var k2 = 0; k2 < NN; k2++) if (desc[k2]) all.push(k2);
      walk(all, parentsOf, -1);
    } else {
      if (up) walk(seeds, parentsOf, up.length > 1 ? parseInt(up, 10) : -1);
      if (down) walk(seeds, childrenOf, down.length > 1 ? parseInt(down.slice(1), 10) : -1);
    }
    return set;
  }
  function evalSelection(expr) {
    var words = expr.trim().split(/\s+/).filter(Boolean);
    if (!words.length) return null;
    var out = new Uint8Array(NN);
    words.forEach(function (w) {
      var parts = w.split(','), acc = null;
      parts.forEach(function (p) {
        if (!p) return;
        var s = evalCriterion(p);
        if (!acc) acc = s; else for (var k = 0; k < NN; k++) acc[k] = acc[k] & s[k];
      });
      if (acc) for (var k = 0; k < NN; k++) out[k] |= acc[k];
    });
    return out;
  }

  // ---------- layout of a subset (node lineage, selections) ----------
  // Same idea as the generator's layout, smaller: longest-path layers,
  // barycenter ordering seeded with the global positions, then the closest
  // positions that keep order and spacing (pool adjacent violators).
  var LGAP = 280, RGAP = 44;
  function layoutSubset(ks) {
    var loc = new Map(); ks.forEach(function (k, a) { loc.set(k, a); });
    var n = ks.length, up = [], dn = [], layer = new Array(n).fill(0), indeg = new Array(n).fill(0);
    for (var a = 0; a < n; a++) { up.push([]); dn.push([]); }
    ks.forEach(function (k, a) {
      (N[k].p || []).forEach(function (p) { var b = loc.get(p); if (b !== undefined) { up[a].push(b); dn[b].push(a); indeg[a]++; } });
    });
    var q = []; for (a = 0; a < n; a++) if (!indeg[a]) q.push(a);
    for (var qi = 0; qi < q.length; qi++) {
      var v = q[qi];
      dn[v].forEach(function (c) { layer[c] = Math.max(layer[c], layer[v] + 1); if (--indeg[c] === 0) q.push(c); });
    }
    for (a = 0; a < n; a++) if (!up[a].length && dn[a].length) layer[a] = Math.min.apply(null, dn[a].map(function (c) { return layer[c]; })) - 1;
    var nl = 0; layer.forEach(function (l) { nl = Math.max(nl, l + 1); });
    var L = []; for (a = 0; a < nl; a++) L.push([]);
    var pos = new Array(n);
    var order = ks.map(function (k, a) { return a; }).sort(function (x, y) { return (N[ks[x]].y || 0) - (N[ks[y]].y || 0); });
    order.forEach(function (a) { L[layer[a]].push(a); });
    function renum(l) { L[l].forEach(function (v, p) { pos[v] = p; }); }
    for (a = 0; a < nl; a++) renum(a);
    var key = new Array(n);
    for (var it = 0; it < 6; it++) {
      var down = it % 2 === 0;
      for (var s = 1; s < nl; s++) {
        var l = down ? s : nl - 1 - s;
        L[l].forEach(function (v) {
          var nb = down ? up[v] : dn[v];
          key[v] = nb.length ? nb.reduce(function (t, u) { return t + pos[u]; }, 0) / nb.length : pos[v];
        });
        L[l].sort(function (x, y) { return key[x] - key[y] || pos[x] - pos[y]; });
        renum(l);
      }
    }
    var y = new Array(n);
    L.forEach(function (lay) { lay.forEach(function (v, p) { y[v] = (p - (lay.length - 1) / 2) * RGAP; }); });
    for (it = 0; it < 6; it++) {
      var dwn = it % 2 === 0;
      for (s = 0; s < nl; s++) {
        var lay = L[dwn ? s : nl - 1 - s];
        var want = lay.map(function (v) {
          var nb = up[v].concat(dn[v]);
          return nb.length ? nb.reduce(function (t, u) { return t + y[u]; }, 0) / nb.length : y[v];
        });
        var got = isotonic(want, RGAP);
        lay.forEach(function (v, p) { y[v] = got[p]; });
      }
    }
    var res = new Map();
    ks.forEach(function (k, a) { res.set(k, { x: layer[a] * LGAP, y: y[a] }); });
    return res;
  }
  function isotonic(want, gap) {
    var blocks = [];
    for (var p = 0; p < want.length; p++) {
      var b = { s: want[p] - p * gap, w: 1, c: 1 };
      while (blocks.length && blocks[blocks.length - 1].s / blocks[blocks.length - 1].w > b.s / b.w) {
        var t = blocks.pop(); b = { s: t.s + b.s, w: t.w + b.w, c: t.c + b.c };
      }
      blocks.push(b);
    }
    var out = [], idx = 0;
    blocks.forEach(function (bl) { for (var c = 0; c < bl.c; c++) { out.push(bl.s / bl.w + idx * gap); idx++; } });
    return out;
  }

  // ---------- canvas graph with culling ----------
  // Draws only what intersects the view; labels appear when zoomed in
  // enough to read them. Hit testing uses a coarse grid.
  function Graph(canvas, opts) {
    this.c = canvas; this.ctx = canvas.getContext('2d'); this.opts = opts || {};
    this.ks = []; this.px = []; this.py = []; this.edges = []; this.k = 1; this.tx = 0; this.ty = 0;
    this.hover = -1; this.focus = -1; this.hi = null; this.pending = false;
    var g = this;
    this.palette();
    this.resize();
    this.ro = new ResizeObserver(function () { g.resize(); g.draw(); });
    this.ro.observe(canvas);
    var drag = null;
    canvas.addEventListener('pointerdown', function (e) {
      drag = { x: e.clientX, y: e.clientY, tx: g.tx, ty: g.ty, moved: false };
      canvas.setPointerCapture(e.pointerId);
    });
    canvas.addEventListener('pointermove', function (e) {
      if (drag) {
        var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
        if (Math.abs(dx) + Math.abs(dy) > 3) { drag.moved = true; canvas.classList.add('drag'); }
        if (drag.moved) { g.tx = drag.tx + dx; g.ty = drag.ty + dy; g.draw(); }
        return;
      }
      var hit = g.hit(e);
      if (hit !== g.hover) { g.hover = hit; canvas.classList.toggle('hover', hit >= 0); g.draw(); }
    });
    canvas.addEventListener('pointerup', function (e) {
      var d = drag; drag = null; canvas.classList.remove('drag');
      if (d && !d.moved) {
        var hit = g.hit(e);
        if (g.opts.onClick) g.opts.onClick(hit >= 0 ? g.ks[hit] : -1, e);
      }
    });
    canvas.addEventListener('dblclick', function (e) {
      var hit = g.hit(e);
      if (hit >= 0 && g.opts.onOpen) g.opts.onOpen(g.ks[hit]);
    });
    canvas.addEventListener('pointerleave', function () { if (g.hover >= 0) { g.hover = -1; g.draw(); } });
    canvas.addEventListener('wheel', function (e) {
      e.preventDefault();
      var r = canvas.getBoundingClientRect();
      var f = Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015));
      g.zoomAt(e.clientX - r.left, e.clientY - r.top, f);
    }, { passive: false });
  }
  Graph.prototype.palette = function () {
    this.col = { edge: css('--edge'), hi: css('--edge-hi'), text: '#ffffff', bg: css('--graph-bg'), muted: css('--muted'), sel: css('--sel') };
  };
  Graph.prototype.resize = function () {
    var r = this.c.getBoundingClientRect(), dpr = window.devicePixelRatio || 1;
    this.w = Math.max(1, r.width); this.h = Math.max(1, r.height); this.dpr = dpr;
    this.c.width = Math.round(this.w * dpr); this.c.height = Math.round(this.h * dpr);
  };
  // set(ks, positions): ks are node indexes; pos(k) gives {x, y}.
  Graph.prototype.set = function (ks, pos) {
    this.ks = ks; var n = ks.length, loc = new Map();
    this.px = new Float64Array(n); this.py = new Float64Array(n);
    var minx = Infinity, miny = Infinity, maxx = -Infinity, maxy = -Infinity;
    for (var a = 0; a < n; a++) {
      var p = pos(ks[a]); this.px[a] = p.x; this.py[a] = p.y; loc.set(ks[a], a);
      if (p.x < minx) minx = p.x; if (p.y < miny) miny = p.y; if (p.x > maxx) maxx = p.x; if (p.y > maxy) maxy = p.y;
    }
    this.loc = loc;
    this.bounds = n ? { x0: minx - IX.nw / 2, y0: miny - IX.nh / 2, x1: maxx + IX.nw / 2, y1: maxy + IX.nh / 2 } : { x0: 0, y0: 0, x1: 1, y1: 1 };
    var edges = [];
    for (a = 0; a < n; a++) (N[ks[a]].p || []).forEach(function (p) { var b = loc.get(p); if (b !== undefined) edges.push(b, a); });
    this.edges = edges;
    var cell = 400, grid = new Map();
    for (a = 0; a < n; a++) {
      var key = Math.floor(this.px[a] / cell) + ',' + Math.floor(this.py[a] / cell);
      var l = grid.get(key); if (!l) grid.set(key, l = []); l.push(a);
    }
    this.grid = grid; this.cell = cell; this.hover = -1; this.focus = -1; this.hi = null;
  };
  Graph.prototype.fit = function (pad) {
    var b = this.bounds, p = pad == null ? 30 : pad;
    var k = Math.min((this.w - 2 * p) / (b.x1 - b.x0 || 1), (this.h - 2 * p) / (b.y1 - b.y0 || 1));
    this.k = Math.max(0.02, Math.min(k, 1.4));
    this.tx = (this.w - (b.x1 + b.x0) * this.k) / 2;
    this.ty = (this.h - (b.y1 + b.y0) * this.k) / 2;
    this.draw();
  };
  Graph.prototype.center = function (k, scale) {
    var a = this.loc.get(k); if (a === undefined) return;
    if (scale) this.k = scale;
    this.tx = this.w / 2 - this.px[a] * this.k; this.ty = this.h / 2 - this.py[a] * this.k;
    this.draw();
  };
  Graph.prototype.zoomAt = function (sx, sy, f) {
    var k = Math.max(0.02, Math.min(4, this.k * f)); f = k / this.k;
    this.tx = sx - (sx - this.tx) * f; this.ty = sy - (sy - this.ty) * f; this.k = k; this.draw();
  };
  Graph.prototype.hit = function (e) {
    var r = this.c.getBoundingClientRect();
    var x = (e.clientX - r.left - this.tx) / this.k, y = (e.clientY - r.top - this.ty) / this.k;
    var cx = Math.floor(x / this.cell), cy = Math.floor(y / this.cell), hw = IX.nw / 2, hh = IX.nh / 2;
    for (var dx = -1; dx <= 1; dx++) for (var dy = -1; dy <= 1; dy++) {
      var l = this.grid.get((cx + dx) + ',' + (cy + dy)); if (!l) continue;
      for (var a = 0; a < l.length; a++) {
        var v = l[a];
        if (Math.abs(this.px[v] - x) <= hw && Math.abs(this.py[v] - y) <= hh) return v;
      }
    }
    return -1;
  };
  // highlight k's ancestors and descendants among the drawn nodes
  Graph.prototype.setFocus = function (k) {
    var a = k >= 0 ? this.loc.get(k) : undefined;
    if (a === undefined) { this.focus = -1; this.hi = null; this.draw(); return; }
    var hi = new Uint8Array(this.ks.length), loc = this.loc, ks = this.ks;
    hi[a] = 1;
    [function (x) { return N[x].p || []; }, function (x) { return children[x]; }].forEach(function (next) {
      var st = [ks[a]], seen = new Set([ks[a]]);
      while (st.length) {
        next(st.pop()).forEach(function (y) { if (!seen.has(y)) { seen.add(y); var b = loc.get(y); if (b !== undefined) { hi[b] = 1; st.push(y); } } });
      }
    });
    this.focus = a; this.hi = hi; this.draw();
  };
  Graph.prototype.draw = function () {
    if (this.pending) return;
    this.pending = true;
    var g = this;
    requestAnimationFrame(function () { g.pending = false; g.paint(); });
  };
  Graph.prototype.paint = function () {
    var ctx = this.ctx, k = this.k, dpr = this.dpr, hw = IX.nw / 2, hh = IX.nh / 2;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, this.w, this.h);
    ctx.setTransform(dpr * k, 0, 0, dpr * k, dpr * this.tx, dpr * this.ty);
    var x0 = -this.tx / k - hw, y0 = -this.ty / k - hh, x1 = (this.w - this.tx) / k + hw, y1 = (this.h - this.ty) / k + hh;
    var px = this.px, py = this.py, E = this.edges, hi = this.hi, curve = k > 0.15;
    var paths = [new Path2D(), new Path2D()]; // normal, highlighted
    for (var e = 0; e < E.length; e += 2) {
      var a = E[e], b = E[e + 1];
      var ax = px[a] + hw, ay = py[a], bx = px[b] - hw, by = py[b];
      if ((ax < x0 && bx < x0) || (ax > x1 && bx > x1) || (ay < y0 && by < y0) || (ay > y1 && by > y1)) continue;
      var p = paths[hi && hi[a] && hi[b] ? 1 : 0];
      p.moveTo(ax, ay);
      if (curve) { var mx = (ax + bx) / 2; p.bezierCurveTo(mx, ay, mx, by, bx, by); } else p.lineTo(bx, by);
    }
    ctx.lineWidth = Math.max(1, 1.2 / k) ;
    ctx.strokeStyle = this.col.edge; ctx.globalAlpha = hi ? 0.25 : 0.9; ctx.stroke(paths[0]);
    ctx.globalAlpha = 1;
    if (hi) { ctx.strokeStyle = this.col.hi; ctx.lineWidth = Math.max(1.5, 2 / k); ctx.stroke(paths[1]); }
    var labels = k * IX.nh >= 11, font = '600 12px system-ui, -apple-system, Segoe UI, Roboto, sans-serif';
    var vis = [];
    for (var v = 0; v < px.length; v++) {
      if (px[v] < x0 || px[v] > x1 || py[v] < y0 || py[v] > y1) continue;
      vis.push(v);
    }
    for (var q = 0; q < vis.length; q++) {
      v = vis[q];
      ctx.globalAlpha = hi && !hi[v] ? 0.22 : 1;
      ctx.fillStyle = nodeColor(this.ks[v]);
      if (labels) { ctx.beginPath(); roundRect(ctx, px[v] - hw, py[v] - hh, IX.nw, IX.nh, 7); ctx.fill(); }
      else ctx.fillRect(px[v] - hw, py[v] - hh, IX.nw, IX.nh);
      if (v === this.focus || v === this.hover) {
        ctx.lineWidth = 3 / Math.max(k, 0.5); ctx.strokeStyle = this.col.hi;
        ctx.strokeRect(px[v] - hw - 3, py[v] - hh - 3, IX.nw + 6, IX.nh + 6);
      }
    }
    ctx.globalAlpha = 1;
    if (labels && vis.length < 4000) {
      ctx.font = font; ctx.textBaseline = 'middle'; ctx.fillStyle = this.col.text;
      for (q = 0; q < vis.length; q++) {
        v = vis[q];
        ctx.globalAlpha = hi && !hi[v] ? 0.4 : 1;
        ctx.fillText(fitText(ctx, N[this.ks[v]].n, IX.nw - 18), px[v] - hw + 9, py[v] + 1);
      }
      ctx.globalAlpha = 1;
    }
    if (this.opts.onPaint) this.opts.onPaint();
  };
  Graph.prototype.destroy = function () { this.ro.disconnect(); };
  var fitCache = new Map();
  function fitText(ctx, s, w) {
    var c = fitCache.get(s);
    if (c !== undefined) return c;
    var out = s;
    if (ctx.measureText(s).width > w) {
      var lo = 0, hi = s.length;
      while (lo < hi) { var mid = (lo + hi + 1) >> 1; if (ctx.measureText(s.slice(0, mid) + '…').width <= w) lo = mid; else hi = mid - 1; }
      out = s.slice(0, lo) + '…';
    }
    fitCache.set(s, out);
    return out;
  }
  function roundRect(ctx, x, y, w, hgt, r) {
    ctx.moveTo(x + r, y); ctx.arcTo(x + w, y, x + w, y + hgt, r); ctx.arcTo(x + w, y + hgt, x, y + hgt, r);
    ctx.arcTo(x, y + hgt, x, y, r); ctx.arcTo(x, y, x + w, y, r); ctx.closePath();
  }

  // ---------- search ----------
  var SX = null;
  function searchIndex() {
    if (SX) return SX;
    SX = [];
    for (var k = 0; k < NN; k++) {
      var n = N[k];
      if (n.h) continue;
      SX.push({ k: k, n: n.n.toLowerCase(), d: (n.d || '').toLowerCase(), c: (n.k || []).map(function (c) { return c.toLowerCase(); }) });
    }
    return SX;
  }
  function search(q) {
    q = q.trim().toLowerCase();
    if (!q) return [];
    var terms = q.split(/\s+/), out = [];
    searchIndex().forEach(function (e) {
      var score = 0, why = null;
      for (var t = 0; t < terms.length; t++) {
        var term = terms[t], s = 0;
        if (e.n === term) s = 100;
        else if (e.n.indexOf(term) === 0) s = 60;
        else if (e.n.indexOf(term) > 0) s = 40;
        else {
          var col = e.c.find(function (c) { return c.indexOf(term) >= 0; });
          if (col) { s = col === term ? 25 : 15; why = why || { col: col }; }
          else if (e.d.indexOf(term) >= 0) { s = 8; why = why || { desc: true }; }
        }
        if (!s) return;
        score += s;
      }
      var t0 = N[e.k].t;
      if (t0 === 'model' || t0 === 'source') score += 3;
      if (t0 === 'test') score -= 5;
      out.push({ k: e.k, score: score, why: why });
    });
    out.sort(function (a, b) { return b.score - a.score || N[a.k].n.length - N[b.k].n.length || a.k - b.k; });
    return out.slice(0, 40);
  }
  function markText(text, q) {
    var low = text.toLowerCase(), terms = q.trim().toLowerCase().split(/\s+/).filter(Boolean);
    for (var t = 0; t < terms.length; t++) {
      var at = low.indexOf(terms[t]);
      if (at >= 0) return [text.slice(0, at), h('mark', { text: text.slice(at, at + terms[t].length) }), text.slice(at + terms[t].length)];
    }
    return [text];
  }
  var sel = -1, hits = [];
  function renderResults() {
    var box = $('results'), q = $('q').value;
    box.textContent = '';
    if (!q.trim()) { box.hidden = true; return; }
    box.hidden = false;
    if (!hits.length) { box.appendChild(h('div', { cls: 'res-empty', text: 'No matches for "' + q + '"' })); return; }
    hits.forEach(function (r, idx) {
      var n = N[r.k], why = '';
      if (r.why && r.why.col) why = 'column ' + r.why.col;
      else why = n.d || relName(n) || n.f || '';
      box.appendChild(h('a', { cls: 'res' + (idx === sel ? ' on' : ''), href: nodeHref(r.k), role: 'option', 'aria-selected': idx === sel ? 'true' : 'false',
        onmousedown: function (e) { e.preventDefault(); go(r.k); } },
        badge(r.k), h('span', { cls: 'nm' }, markText(n.n, q)), h('span', { cls: 'why', text: why })));
    });
  }
  function go(k) { $('q').value = ''; hits = []; sel = -1; renderResults(); $('q').blur(); location.hash = nodeHref(k); }
  function setupSearch() {
    var q = $('q');
    q.addEventListener('input', function () { hits = search(q.value); sel = hits.length ? 0 : -1; renderResults(); });
    q.addEventListener('keydown', function (e) {
      if (e.key === 'ArrowDown') { e.preventDefault(); if (hits.length) { sel = (sel + 1) % hits.length; renderResults(); scrollSel(); } }
      else if (e.key === 'ArrowUp') { e.preventDefault(); if (hits.length) { sel = (sel - 1 + hits.length) % hits.length; renderResults(); scrollSel(); } }
      else if (e.key === 'Enter') { e.preventDefault(); if (sel >= 0 && hits[sel]) go(hits[sel].k); }
      else if (e.key === 'Escape') { q.value = ''; hits = []; renderResults(); q.blur(); }
    });
    q.addEventListener('blur', function () { setTimeout(function () { $('results').hidden = true; }, 120); });
    q.addEventListener('focus', function () { if (q.value.trim()) renderResults(); });
    document.addEventListener('keydown', function (e) {
      var t = e.target, typing = t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.isContentEditable);
      if (e.key === '/' && !typing && !e.ctrlKey && !e.metaKey) { e.preventDefault(); q.focus(); q.select(); }
    });
  }
  function scrollSel() { var on = $('results').querySelector('.on'); if (on) on.scrollIntoView({ block: 'nearest' }); }

  // ---------- navigation tree ----------
  var tab = 'project', treeOpen = new Set(), current = -1;
  function buildTrees() {
    var proj = { kids: new Map(), items: [] }, db = { kids: new Map(), items: [] };
    function dir(root, path) {
      var node = root;
      path.forEach(function (p) {
        var nx = node.kids.get(p);
        if (!nx) { nx = { kids: new Map(), items: [], name: p, key: (node.key ? node.key + '/' : '') + p }; node.kids.set(p, nx); }
        node = nx;
      });
      return node;
    }
    for (var k = 0; k < NN; k++) {
      var n = N[k];
      if (n.h || n.t === 'test' || n.t === 'unit_test') continue;
      var pkgKey = n.pk === IX.project ? ' ' + n.pk : n.pk; // root package first
      if (n.t === 'source') dir(proj, [pkgKey, 'Sources', n.src]).items.push(k);
      else if (n.t === 'exposure') dir(proj, [pkgKey, 'Exposures']).items.push(k);
      else if (n.t === 'macro') dir(proj, [pkgKey, 'Macros'].concat((n.f || '').split('/').slice(1, -1))).items.push(k);
      else dir(proj, [pkgKey].concat((n.f || '').split('/').slice(0, -1))).items.push(k);
      if (n.r && n.s) dir(db, [n.db || '(default)', n.s]).items.push(k);
    }
    return { project: proj, database: db };
  }
  var TREES = null;
  function count(t) { var c = t.items.length; t.kids.forEach(function (x) { c += count(x); }); return c; }
  function renderTree() {
    if (!TREES) TREES = buildTrees();
    var root = TREES[tab], box = $('tree');
    box.textContent = '';
    renderLevel(box, root, tab);
    var cur = box.querySelector('.cur');
    if (cur) cur.scrollIntoView({ block: 'nearest' });
  }
  function renderLevel(box, t, prefix) {
    var names = Array.from(t.kids.keys()).sort(function (a, b) { return a < b ? -1 : a > b ? 1 : 0; });
    names.forEach(function (name) {
      var sub = t.kids.get(name), key = prefix + ':' + sub.key, open = treeOpen.has(key);
      var toggle = function () { if (treeOpen.has(key)) treeOpen.delete(key); else treeOpen.add(key); renderTree(); focusTree(key); };
      var row = h('div', { cls: 'tn' + (open ? ' open' : ''), tabindex: '0', role: 'treeitem', 'aria-expanded': open ? 'true' : 'false', 'data-key': key,
        onclick: toggle, onkeydown: function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); toggle(); } } },
        h('span', { cls: 'car', text: '▶' }), h('span', { cls: 'nm', text: name.trim() }), h('span', { cls: 'cnt', text: String(count(sub)) }));
      box.appendChild(row);
      if (open) { var kid = h('div', { cls: 'tk', role: 'group' }); renderLevel(kid, sub, prefix); box.appendChild(kid); }
    });
    t.items.slice().sort(function (a, b) { return N[a].n < N[b].n ? -1 : 1; }).forEach(function (k) {
      box.appendChild(h('a', { cls: 'tn' + (k === current ? ' cur' : ''), href: nodeHref(k), role: 'treeitem', title: N[k].id },
        h('span', { cls: 'car' }), h('span', { cls: 'dot', style: 'background:' + nodeColor(k) }), h('span', { cls: 'nm', text: N[k].t === 'source' ? N[k].n.slice(N[k].src.length + 1) : N[k].n })));
    });
  }
  function focusTree(key) {
    var el = Array.prototype.find.call($('tree').querySelectorAll('.tn[data-key]'), function (x) { return x.getAttribute('data-key') === key; });
    if (el) el.focus();
  }
  function revealInTree(k) {
    var n = N[k];
    if (n.t === 'test' || n.t === 'unit_test') return;
    var pkgKey = n.pk === IX.project ? ' ' + n.pk : n.pk, path;
    if (tab === 'database') { if (!n.r) return; path = [n.db || '(default)', n.s]; }
    else if (n.t === 'source') path = [pkgKey, 'Sources', n.src];
    else if (n.t === 'exposure') path = [pkgKey, 'Exposures'];
    else if (n.t === 'macro') path = [pkgKey, 'Macros'].concat((n.f || '').split('/').slice(1, -1));
    else path = [pkgKey].concat((n.f || '').split('/').slice(0, -1));
    var acc = '';
    path.forEach(function (p) { acc = acc ? acc + '/' + p : p; treeOpen.add(tab + ':' + acc); });
  }

  // ---------- pages ----------
  var main, activeGraphs = [];
  function clearGraphs() { activeGraphs.forEach(function (g) { g.destroy(); }); activeGraphs = []; }
  function page() { var p = h('div', { cls: 'page' }); main.textContent = ''; main.appendChild(p); main.scrollTop = 0; return p; }
  function counts() { var c = {}; N.forEach(function (n) { if (!n.h) c[n.t] = (c[n.t] || 0) + 1; }); return c; }

  function renderOverview() {
    var p = page();
    p.appendChild(h('h1', { text: IX.project }));
    var c = counts();
    var cards = h('div', { cls: 'cards' });
    [['model', 'models'], ['source', 'sources'], ['seed', 'seeds'], ['snapshot', 'snapshots'], ['test', 'data tests'], ['exposure', 'exposures'], ['macro', 'macros']].forEach(function (x) {
      if (c[x[0]]) cards.appendChild(h('a', { cls: 'card', href: '#/graph?select=' + encodeURIComponent('resource_type:' + x[0]) }, h('div', { cls: 'n', text: c[x[0]].toLocaleString() }), h('div', { cls: 'l', text: x[1] })));
    });
    p.appendChild(cards);
    if (IX.overview) p.appendChild(h('div', { cls: 'desc', html: IX.overview }));
    else p.appendChild(h('p', { cls: 'desc', text: 'Browse the project in the tree on the left, press / to search names, descriptions and columns, or open the lineage graph to see how everything connects. Write a {% docs __overview__ %} block to replace this text.' }));
    var ref = [];
    for (var k = 0; k < NN; k++) if (!N[k].h && (N[k].t === 'model' || N[k].t === 'source' || N[k].t === 'seed')) {
      var nc = children[k].filter(function (x) { return N[x].t !== 'test'; }).length;
      if (nc) ref.push([nc, k]);
    }
    ref.sort(function (a, b) { return b[0] - a[0] || a[1] - b[1]; });
    if (ref.length) {
      p.appendChild(h('h2', { text: 'Most referenced' }));
      p.appendChild(h('div', { cls: 'lists' }, h('ul', null, ref.slice(0, 10).map(function (r) {
        return h('li', null, badge(r[1]), link(r[1]), h('span', { cls: 'cnt none', text: r[0] + ' downstream' }));
      }))));
    }
    var tags = new Map();
    N.forEach(function (n) { if (!n.h) (n.g || []).forEach(function (t) { tags.set(t, (tags.get(t) || 0) + 1); }); });
    if (tags.size) {
      p.appendChild(h('h2', { text: 'Tags' }));
      p.appendChild(h('div', null, Array.from(tags.keys()).sort().map(function (t) {
        return h('a', { cls: 'chip', href: '#/graph?select=' + encodeURIComponent('tag:' + t), text: t + ' · ' + tags.get(t) });
      })));
    }
    p.appendChild(h('p', { cls: 'foot', text: 'Generated by kiln · ' + IX.generated }));
  }

  function renderNode(k) {
    var n = N[k], p = page();
    current = k; revealInTree(k); renderTree();
    document.title = n.n + ' · ' + IX.project;
    p.appendChild(h('h1', { text: n.n }));
    var sub = h('div', { cls: 'sub' }, badge(k));
    if (n.m) sub.appendChild(h('span', { text: n.m }));
    if (relName(n)) sub.appendChild(h('code', { text: relName(n) }));
    if (n.f) sub.appendChild(h('span', { text: n.f }));
    (n.g || []).forEach(function (t) { sub.appendChild(h('a', { cls: 'chip', href: '#/graph?select=' + encodeURIComponent('tag:' + t), text: '#' + t })); });
    p.appendChild(sub);
    var body = h('div', null, h('p', { cls: 'loading', text: 'Loading details…' }));
    p.appendChild(body);
    withDetails(function () {
      if (current !== k) return;
      body.textContent = '';
      fillNode(body, k, (DETAILS && DETAILS[k]) || {});
    });
  }

  function fillNode(p, k, d) {
    var n = N[k], x = d.x || {};
    p.appendChild(h('h2', { text: 'Description' }));
    p.appendChild(d.d ? h('div', { cls: 'desc', html: d.d }) : h('p', { cls: 'none', text: 'No description. Add one in a YAML properties file.' }));
    if (x.source_description) { p.appendChild(h('h2', { text: 'Source ' + x.source_name })); p.appendChild(h('div', { cls: 'desc', html: x.source_description })); }

    var kv = h('dl', { cls: 'kv' });
    function row(label, val) { if (val === undefined || val === null || val === '') return; kv.appendChild(h('dt', { text: label })); kv.appendChild(h('dd', null, val)); }
    row('Type', TYPE_LABEL[n.t] || n.t);
    row('Package', n.pk);
    row('Materialization', n.m);
    row('Relation', relName(n) ? h('code', { text: relName(n) }) : '');
    row('Relation type', d.rt);
    row('Owner', d.own);
    row('Comment', d.cm);
    (d.st || []).forEach(function (s) { row(s.l, h('span', { title: s.d || '', text: s.v })); });
    if (x.test) row('Test', x.test + (x.column ? ' on column ' + x.column : ''));
    if (x.kwargs) row('Arguments', h('code', { text: JSON.stringify(x.kwargs) }));
    if (x.loader) row('Loader', x.loader);
    if (x.loaded_at_field) row('Loaded at field', x.loaded_at_field);
    if (x.freshness) row('Freshness', h('code', { text: JSON.stringify(x.freshness) }));
    if (x.type) row('Exposure type', x.type);
    if (x.maturity) row('Maturity', x.maturity);
    if (x.url) row('URL', h('a', { href: x.url, rel: 'noopener noreferrer', target: '_blank', text: x.url }));
    p.appendChild(h('h2', { text: 'Details' }));
    p.appendChild(kv);

    if (inGraph(k)) lineageSection(p, k);

    if (d.cols && d.cols.length) {
      p.appendChild(h('h2', { text: 'Columns · ' + d.cols.length }));
      p.appendChild(h('table', { cls: 'cols' }, h('thead', null, h('tr', null, h('th', { text: 'Column' }), h('th', { text: 'Type' }), h('th', { text: 'Description' }), h('th', { text: 'Tests' }))),
        h('tbody', null, d.cols.map(function (c) {
          return h('tr', null, h('td', { cls: 'cn', text: c.n }), h('td', { cls: 'ct', text: c.t || '' }),
            h('td', null, c.d ? h('div', { cls: 'desc', html: c.d }) : ''),
            h('td', null, (c.ts || []).map(function (t) { return h('a', { cls: 'chip', href: nodeHref(t), title: N[t].n, text: testLabel(t) }); })));
        }))));
    }
    if (x.arguments) {
      p.appendChild(h('h2', { text: 'Arguments' }));
      p.appendChild(h('table', { cls: 'cols' }, h('tbody', null, x.arguments.map(function (a) {
        return h('tr', null, h('td', { cls: 'cn', text: a.name || '' }), h('td', { cls: 'ct', text: a.type || '' }), h('td', null, a.description ? h('div', { cls: 'desc', html: a.description }) : ''));
      }))));
    }


    var ups = (n.p || []).slice(), downs = children[k].filter(function (c) { return N[c].t !== 'test'; });
    var tests = testsOf[k];
    p.appendChild(h('h2', { text: 'Relationships' }));
    p.appendChild(h('div', { cls: 'lists' },
      h('div', null, h('h3', { text: 'Depends on · ' + ups.length }), listOf(ups)),
      h('div', null, h('h3', { text: 'Referenced by · ' + downs.length }), listOf(downs))));
    if (tests.length) {
      p.appendChild(h('h2', { text: 'Tests · ' + tests.length }));
      p.appendChild(h('div', { cls: 'lists' }, listOf(tests)));
    }
    if (d.raw || d.sql) codeSection(p, d);
    if (d.cfg) {
      p.appendChild(h('h2', { text: 'Config' }));
      var ck = h('dl', { cls: 'kv' });
      Object.keys(d.cfg).sort().forEach(function (key) {
        var v = d.cfg[key];
        ck.appendChild(h('dt', { text: key }));
        ck.appendChild(h('dd', null, h('code', { text: typeof v === 'string' ? v : JSON.stringify(v) })));
      });
      p.appendChild(ck);
    }
  }
  function testLabel(t) { var d = DETAILS && DETAILS[t] && DETAILS[t].x; return (d && d.test) || N[t].n; }
  function listOf(ks) {
    if (!ks.length) return h('p', { cls: 'none', text: 'None' });
    return h('ul', null, ks.map(function (c) { return h('li', null, badge(c), link(c)); }));
  }
  function codeSection(p, d) {
    p.appendChild(h('h2', { text: 'Code' }));
    var modes = [];
    if (d.raw) modes.push(['Source', d.raw]);
    if (d.sql) modes.push(['Compiled', d.sql]);
    var pre = h('pre', { cls: 'sql' }), bar = h('div', { cls: 'codebar' }), cur = 0;
    function show(m) {
      cur = m; pre.innerHTML = highlight(modes[m][1]);
      Array.prototype.forEach.call(bar.querySelectorAll('.mode'), function (b, idx) { b.classList.toggle('on', idx === m); });
    }
    modes.forEach(function (m, idx) { bar.appendChild(h('button', { type: 'button', cls: 'mode', text: m[0], onclick: function () { show(idx); } })); });
    bar.appendChild(h('span', { cls: 'sp' }));
    bar.appendChild(h('button', { type: 'button', text: 'Copy', onclick: function (e) {
      var b = e.target;
      if (navigator.clipboard) navigator.clipboard.writeText(modes[cur][1]).then(function () { b.textContent = 'Copied'; setTimeout(function () { b.textContent = 'Copy'; }, 1200); }, function () {});
    } }));
    p.appendChild(h('div', { cls: 'codebox' }, bar, pre));
    show(modes.length > 1 && d.sql ? 1 : 0);
  }

  // per-node lineage with adjustable depth
  function lineageSection(p, k) {
    var up = 2, down = 2;
    p.appendChild(h('h2', { text: 'Lineage' }));
    var upB = h('b', { text: String(up) }), downB = h('b', { text: String(down) }), info = h('span');
    var canvas = h('canvas', { cls: 'gcanvas', style: 'height:340px', 'aria-label': 'Lineage of ' + N[k].n });
    function step(which, delta) {
      return function () {
        if (which === 'up') { up = Math.max(0, up + delta); upB.textContent = up >= 99 ? 'all' : String(up); }
        else { down = Math.max(0, down + delta); downB.textContent = down >= 99 ? 'all' : String(down); }
        update();
      };
    }
    var bar = h('div', { cls: 'lbar' },
      h('span', { cls: 'grp' }, 'Upstream', h('button', { type: 'button', cls: 'btn', text: '−', onclick: step('up', -1) }), upB, h('button', { type: 'button', cls: 'btn', text: '+', onclick: step('up', 1) }),
        h('button', { type: 'button', cls: 'btn', text: 'all', onclick: function () { up = 99; upB.textContent = 'all'; update(); } })),
      h('span', { cls: 'grp' }, 'Downstream', h('button', { type: 'button', cls: 'btn', text: '−', onclick: step('down', -1) }), downB, h('button', { type: 'button', cls: 'btn', text: '+', onclick: step('down', 1) }),
        h('button', { type: 'button', cls: 'btn', text: 'all', onclick: function () { down = 99; downB.textContent = 'all'; update(); } })),
      info, h('span', { cls: 'sp' }),
      h('a', { cls: 'btn', href: '#/graph?select=' + encodeURIComponent('+' + selName(k) + '+'), text: 'Open in full graph' }));
    p.appendChild(h('div', { cls: 'lineage' }, bar, canvas));
    var g = new Graph(canvas, { onClick: function (c) { if (c >= 0 && c !== k) location.hash = nodeHref(c); }, onOpen: function (c) { location.hash = nodeHref(c); } });
    activeGraphs.push(g);
    function update() {
      var set = new Set([k]);
      function walk(next, depth) {
        var fr = [k], d = 0;
        while (fr.length && d < depth) {
          var nf = [];
          fr.forEach(function (x) { next(x).forEach(function (y) { if (inGraph(y) && !set.has(y)) { set.add(y); nf.push(y); } }); });
          fr = nf; d++;
        }
      }
      walk(function (x) { return N[x].p || []; }, up);
      walk(function (x) { return children[x]; }, down);
      var ks = Array.from(set);
      if (ks.length > 1500) { info.textContent = ks.length + ' nodes: showing their project positions'; g.set(ks, function (x) { return N[x]; }); }
      else { info.textContent = ks.length + ' node' + (ks.length === 1 ? '' : 's'); var pos = layoutSubset(ks); g.set(ks, function (x) { return pos.get(x); }); }
      g.resize(); g.fit(24); g.setFocus(k);
    }
    update();
  }
  function selName(k) { var n = N[k]; return n.t === 'source' ? 'source:' + n.n : n.n; }

  // full-project graph with a selector box
  function renderGraphPage(params) {
    main.textContent = '';
    document.title = 'Lineage · ' + IX.project;
    var selIn = h('input', { type: 'text', id: 'gsel', placeholder: '--select  e.g. +orders+  tag:finance  path:models/marts', value: params.select || '', 'aria-label': 'select', spellcheck: 'false' });
    var exIn = h('input', { type: 'text', id: 'gexc', placeholder: '--exclude', value: params.exclude || '', 'aria-label': 'exclude', spellcheck: 'false' });
    var msg = h('span', { cls: 'msg', id: 'gmsg' });
    function apply() {
      var qs = [];
      if (selIn.value.trim()) qs.push('select=' + encodeURIComponent(selIn.value.trim()));
      if (exIn.value.trim()) qs.push('exclude=' + encodeURIComponent(exIn.value.trim()));
      var target = '#/graph' + (qs.length ? '?' + qs.join('&') : '');
      if (location.hash !== target) location.hash = target; else update();
    }
    [selIn, exIn].forEach(function (el) { el.addEventListener('keydown', function (e) { if (e.key === 'Enter') apply(); }); });
    var bar = h('div', { cls: 'gbar' }, h('label', { 'for': 'gsel', text: 'select' }), selIn, h('label', { 'for': 'gexc', text: 'exclude' }), exIn,
      h('button', { type: 'button', cls: 'btn primary', text: 'Update graph', onclick: apply }),
      h('button', { type: 'button', cls: 'btn', text: 'Reset', onclick: function () { selIn.value = ''; exIn.value = ''; apply(); } }), msg);
    var canvas = h('canvas', { id: 'graph-canvas', 'aria-label': 'Project lineage graph' });
    var card = h('div', { cls: 'gcard', hidden: true });
    var legend = h('div', { cls: 'legend' }, ['model', 'source', 'seed', 'snapshot', 'exposure', 'analysis'].map(function (t) {
      return h('span', null, h('span', { cls: 'dot', style: 'background:' + typeColor(t) }), TYPE_LABEL[t]);
    }));
    var g;
    var zoom = h('div', { cls: 'zoom' },
      h('button', { type: 'button', title: 'Zoom in', text: '+', onclick: function () { g.zoomAt(g.w / 2, g.h / 2, 1.4); } }),
      h('button', { type: 'button', title: 'Zoom out', text: '−', onclick: function () { g.zoomAt(g.w / 2, g.h / 2, 1 / 1.4); } }),
      h('button', { type: 'button', title: 'Fit', text: '⤢', onclick: function () { g.fit(); } }));
    var wrap = h('div', { cls: 'gwrap' }, canvas, legend, zoom, card);
    main.appendChild(h('div', { cls: 'graphpage' }, bar, wrap));
    g = new Graph(canvas, {
      onClick: function (c) { g.setFocus(c); showCard(c); },
      onOpen: function (c) { location.hash = nodeHref(c); }
    });
    activeGraphs.push(g);
    window.__kilnGraph = g; // for the browser tests: node positions on screen
    function showCard(c) {
      if (c < 0) { card.hidden = true; return; }
      var n = N[c];
      card.textContent = '';
      card.appendChild(h('button', { cls: 'x', type: 'button', title: 'Close', text: '×', onclick: function () { card.hidden = true; g.setFocus(-1); } }));
      card.appendChild(badge(c));
      card.appendChild(h('h3', null, h('a', { href: nodeHref(c), text: n.n })));
      if (relName(n)) card.appendChild(h('p', null, h('code', { text: relName(n) })));
      card.appendChild(h('p', { cls: n.d ? '' : 'none', text: n.d || 'No description.' }));
      card.appendChild(h('p', null, (n.p || []).length + ' upstream · ' + children[c].filter(function (x) { return N[x].t !== 'test'; }).length + ' downstream'));
      card.appendChild(h('p', null, h('a', { cls: 'btn primary', href: nodeHref(c), text: 'Open page' }), ' ',
        h('a', { cls: 'btn', href: '#/graph?select=' + encodeURIComponent('+' + selName(c) + '+'), text: 'Lineage only' })));
      card.hidden = false;
    }
    function update() {
      msg.className = 'msg'; card.hidden = true;
      var ks = [], set = null, ex = null;
      try {
        set = evalSelection(selIn.value);
        ex = evalSelection(exIn.value);
      } catch (err) {
        msg.className = 'msg err'; msg.textContent = err.message; return;
      }
      for (var k = 0; k < NN; k++) if (inGraph(k) && (!set || set[k]) && !(ex && ex[k])) ks.push(k);
      var total = 0; for (k = 0; k < NN; k++) if (inGraph(k)) total++;
      msg.textContent = (set || ex ? ks.length.toLocaleString() + ' of ' : '') + total.toLocaleString() + ' nodes · drag to pan, scroll to zoom, click to inspect, double-click to open';
      if ((set || ex) && ks.length <= 2500) { var pos = layoutSubset(ks); g.set(ks, function (x) { return pos.get(x); }); }
      else g.set(ks, function (x) { return N[x]; });
      g.resize(); g.fit();
      if (!ks.length) msg.textContent = 'Nothing matches this selection.';
    }
    update();
  }

  // ---------- routing ----------
  function parseParams(s) {
    var out = {};
    (s || '').split('&').forEach(function (kv) { if (!kv) return; var at = kv.indexOf('='); if (at < 0) return; out[decodeURIComponent(kv.slice(0, at))] = decodeURIComponent(kv.slice(at + 1)); });
    return out;
  }
  function route() {
    clearGraphs();
    var hsh = location.hash || '#/';
    var legacy = /^#!\/[a-z_]+\/(.+)$/.exec(hsh); // dbt-docs links: #!/model/model.pkg.name
    if (legacy) { location.replace('#/node/' + legacy[1]); return; }
    $('nav-graph').classList.toggle('on', hsh.indexOf('#/graph') === 0);
    $('nav-overview').classList.toggle('on', hsh === '#/' || hsh === '#');
    if (hsh.indexOf('#/node/') === 0) {
      var k = byId.get(decodeURIComponent(hsh.slice(7)));
      if (k === undefined) { var p = page(); p.appendChild(h('h1', { text: 'Not found' })); p.appendChild(h('p', { text: 'This project has no node ' + decodeURIComponent(hsh.slice(7)) + '.' })); return; }
      renderNode(k);
    } else if (hsh.indexOf('#/graph') === 0) {
      if (current >= 0) { current = -1; renderTree(); }
      var qi = hsh.indexOf('?');
      renderGraphPage(parseParams(qi >= 0 ? hsh.slice(qi + 1) : ''));
    } else {
      if (current >= 0) { current = -1; renderTree(); }
      document.title = IX.project + ' · kiln docs';
      renderOverview();
    }
  }

  function start() {
    main = $('main');
    $('proj').textContent = IX.project;
    Array.prototype.forEach.call(document.querySelectorAll('.tabs button'), function (b) {
      b.addEventListener('click', function () {
        tab = b.getAttribute('data-tab');
        Array.prototype.forEach.call(document.querySelectorAll('.tabs button'), function (x) { x.classList.toggle('on', x === b); });
        if (current >= 0) revealInTree(current);
        renderTree();
      });
    });
    setupSearch();
    treeOpen.add('project: ' + IX.project); // the root package starts expanded
    window.addEventListener('hashchange', route);
    renderTree();
    route();
    window.__kilnFirstRender = performance.now();
    // details (SQL, rendered descriptions) after the first paint
    requestAnimationFrame(function () { setTimeout(loadDetails, 0); });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();

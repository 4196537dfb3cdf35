// The review page's behaviour: keyboard and mouse decisions, shown at once and sent in order in the background; undo
"use strict";
(() => {
  const $ = (s, el = document) => el.querySelector(s), $$ = (s, el = document) => [...el.querySelectorAll(s)];
  const main = $('main'), token = $('meta[name="review-token"]').content;
  const vocab = JSON.parse(main.dataset.vocab), cards = $$('.card');
  let cur = -1, stack = [], queue = Promise.resolve(), pending = 0;
  const header = $('header'), fitHeader = () => document.documentElement.style.setProperty('--header-h', header.offsetHeight + 'px');
  fitHeader(); new ResizeObserver(fitHeader).observe(header);   // cards scrolled to stop below the sticky header (review.css)
  const say = (text, error) => { const m = $('#message'); m.textContent = text; m.className = error ? 'error' : ''; };
  const setProgress = p => { for (const k in p) { const el = $('#' + k); if (el) el.textContent = p[k]; } };
  const busy = d => { pending += d; main.dataset.pending = pending; };
  function show(card, decision, label) {
    card.dataset.decision = decision || ''; card.dataset.label = label || '';
    const g = card.dataset.given;
    $('.outcome', card).textContent = !decision ? '' : decision === 'exclude' ? 'excluded' : label === g ? 'kept ' + g : g + ' \u2192 ' + label;
  }
  function focus(i) {
    if (!cards.length) return;
    i = Math.max(0, Math.min(cards.length - 1, i));
    if (cur >= 0) cards[cur].classList.remove('current');
    cur = i; cards[cur].classList.add('current'); cards[cur].scrollIntoView({block: 'nearest'});
  }
  function post(url, data) {   // in order, one at a time; keepalive lets the last ones finish when the page closes
    busy(1);
    const p = queue.then(() => fetch(url, {method: 'POST', headers: {'X-Review-Token': token}, body: new URLSearchParams(data), keepalive: true}))
      .then(async r => { const j = await r.json().catch(() => ({error: r.statusText})); if (!r.ok) throw new Error(j.error); return j; });
    queue = p.catch(() => {}).finally(() => busy(-1));
    return p;
  }
  const go = url => { say('saving\u2026'); queue.then(() => { location.href = url; }); };
  function decide(card, decision, label) {
    if (!card) return;
    const before = [card.dataset.decision, card.dataset.label];
    label = {accept: card.dataset.suggested, keep: card.dataset.given, exclude: ''}[decision] ?? label;
    show(card, decision, label); stack.push(card);
    post('/decide', {item: card.dataset.item, decision, label}).then(j => { setProgress(j.progress); say(''); },
      e => { show(card, ...before); stack.splice(stack.lastIndexOf(card), 1); say(e.message, true); });
    const i = cards.findIndex((c, k) => k > cur && !c.dataset.decision);
    if (i >= 0) focus(i);
    else if (main.dataset.next && cur === cards.length - 1) go(main.dataset.next);
    else if (cur < cards.length - 1) focus(cur + 1);
  }
  function undo() {
    const card = stack.pop();
    post('/undo', card ? {item: card.dataset.item} : {}).then(j => {
      setProgress(j.progress);
      if (!j.item) return say('nothing to undo');
      const c = cards.find(c => c.dataset.item === j.item);
      if (!c) return go('/?at=' + encodeURIComponent(j.item));
      show(c, j.decision, j.label); focus(cards.indexOf(c)); say('undone: ' + j.item);
    }, e => say(e.message, true));
  }
  function chosen() {
    const ch = $('#chooser'), v = ch.value.trim().toLowerCase(), m = vocab.find(c => c.toLowerCase() === v);
    if (!m) return say('"' + ch.value + '" is not a class', true);
    ch.value = ''; ch.blur(); decide(cards[cur], 'relabel', m);
  }
  document.addEventListener('keydown', e => {
    const t = e.target;
    if (t.id === 'chooser') { if (e.key === 'Enter') { e.preventDefault(); chosen(); } else if (e.key === 'Escape') t.blur(); return; }
    if (t.matches('input, select, textarea') || e.altKey || e.metaKey) return;
    if (e.ctrlKey) { if (e.key === 'z') { e.preventDefault(); undo(); } return; }
    const keys = {a: () => decide(cards[cur], 'accept'), Enter: () => decide(cards[cur], 'accept'), k: () => decide(cards[cur], 'keep'),
      x: () => decide(cards[cur], 'exclude'), u: undo, Backspace: undo, c: () => $('#chooser').focus(), '/': () => $('#chooser').focus(),
      ArrowRight: () => focus(cur + 1), ArrowLeft: () => focus(cur - 1), j: () => focus(cur + 1), h: () => focus(cur - 1),
      n: () => main.dataset.next && go(main.dataset.next), p: () => main.dataset.prev && go(main.dataset.prev)};
    let f = keys[e.key];
    if (!f && /^[0-9]$/.test(e.key) && (+e.key + 9) % 10 < vocab.length) f = () => decide(cards[cur], 'relabel', vocab[(+e.key + 9) % 10]);
    if (f) { e.preventDefault(); f(); }
  });
  cards.forEach((card, i) => {
    card.addEventListener('click', e => {
      focus(i);
      const b = e.target.closest('button[data-action]');
      if (b) { b.blur(); decide(card, b.dataset.action); }
    });
    $('select', card).addEventListener('change', e => { const v = e.target.value; e.target.value = ''; e.target.blur(); if (v) decide(card, 'relabel', v); });
  });
  $$('#filters select').forEach(s => s.addEventListener('change', () => s.form.submit()));
  $('#undo').addEventListener('click', e => { e.target.blur(); undo(); });
  $('#export').addEventListener('click', e => { e.target.blur(); post('/export', {}).then(j => say('wrote ' + j.rows + ' rows to ' + j.path), e => say(e.message, true)); });
  window.addEventListener('beforeunload', e => { if (pending) e.preventDefault(); });
  focus(+main.dataset.focus || 0);
})();

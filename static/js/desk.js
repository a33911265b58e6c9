// Keyboard shortcuts on the moderators' desk (the comment list in the admin), loaded from the
// site's static files as the Content-Security-Policy requires (no inline script). The list
// works without it; with it: j and k move to the next and previous comment, x selects it,
// o opens it, a approves it and r removes it (asking for the reason on the next page, as the
// bulk action does). a and r act only where the admin offers that action to this moderator,
// through the list's own action form, so the server decides exactly as for the Go button.
// The admin loads it in the page's head: it waits for the list.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("changelist-form");
  var rows = form ? Array.prototype.slice.call(form.querySelectorAll("#result_list tbody tr")) : [];
  var help = document.getElementById("desk-keys");
  if (!rows.length) return;
  if (help) help.hidden = false;
  var key = "desk-row:" + location.pathname + location.search;
  var current = Math.min(Number(sessionStorage.getItem(key)) || 0, rows.length - 1);

  function mark(index, scroll) {
    rows.forEach(function (row) { row.classList.remove("desk-current"); row.removeAttribute("aria-current"); });
    current = Math.max(0, Math.min(index, rows.length - 1));
    var row = rows[current];
    row.classList.add("desk-current");
    row.setAttribute("aria-current", "true");
    sessionStorage.setItem(key, String(current));
    if (scroll) row.scrollIntoView({block: "nearest"});
  }

  function box(row) { return row.querySelector("input.action-select"); }

  function act(action) {
    var select = form.querySelector("select[name=action]");
    if (!select || !select.querySelector("option[value='" + action + "']")) return;  // not allowed here
    rows.forEach(function (row) { var b = box(row); if (b) b.checked = false; });
    var chosen = box(rows[current]);
    if (!chosen) return;
    chosen.checked = true;
    select.value = action;
    var across = form.querySelector("input[name=select_across]");
    if (across) across.value = "0";
    form.requestSubmit(form.querySelector("button[name=index]"));
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    var target = event.target;
    if (target.closest && target.closest("input, textarea, select, [contenteditable], .select2-container")) return;
    var handled = true;
    if (event.key === "j") mark(current + 1, true);
    else if (event.key === "k") mark(current - 1, true);
    else if (event.key === "x") { var b = box(rows[current]); if (b) b.click(); }
    else if (event.key === "o") { var link = rows[current].querySelector("th a, td a"); if (link) link.click(); }
    else if (event.key === "a") act("approve");
    else if (event.key === "r") act("remove");
    else handled = false;
    if (handled) event.preventDefault();
  });
  mark(current, false);
});

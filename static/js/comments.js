// The small script of the discussion pages (loaded with defer: the page is complete
// without it).
//
// Replying in place. Without this script (or when signed out) the Reply link opens the reply
// page, which works everywhere; with it, a signed-in reader gets the same form under the
// comment. The form is a copy of the page's own comment form, CSRF token included.
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest(".comment > article > footer a[href$='/reply/']");
  var template = document.querySelector("form.comment-form[data-new-comment]");
  if (!link || !template || event.ctrlKey || event.metaKey || event.shiftKey) return;
  event.preventDefault();
  var box = link.closest("article");
  var open = box.querySelector("form.comment-form");
  if (open) { open.querySelector("textarea").focus(); return; }
  var id = link.getAttribute("href").split("/").slice(-3)[0];
  var form = template.cloneNode(true);
  form.removeAttribute("data-new-comment");
  form.classList.add("comment-form--reply");
  form.querySelectorAll("[id]").forEach(function (element) {
    element.id = element.id.replace("new-comment-", "reply-" + id + "-");
  });
  form.querySelectorAll("label[for]").forEach(function (label) {
    label.htmlFor = label.htmlFor.replace("new-comment-", "reply-" + id + "-");
  });
  form.querySelectorAll("[aria-describedby]").forEach(function (element) {
    element.setAttribute("aria-describedby",
      element.getAttribute("aria-describedby").replace("new-comment-", "reply-" + id + "-"));
  });
  // Like the reply page: "Reply to <name>" and the comment it answers, quoted (copied from
  // the page's own markup, so nothing is parsed from text).
  var to = document.createElement("p");
  to.className = "comment-form__to";
  to.id = "reply-" + id + "-to";
  to.append("Reply to ", box.querySelector("header > b > bdi").cloneNode(true));
  var quoted = document.createElement("blockquote");
  quoted.className = "comment-context";
  var words = box.querySelector(":scope > div").cloneNode(true);
  words.className = "comment__body";
  quoted.appendChild(words);
  form.prepend(to, quoted);
  form.setAttribute("aria-labelledby", to.id);
  form.querySelector("textarea").value = "";
  form.querySelector("input[name=parent]").value = id;
  form.querySelector("button[type=submit]").textContent = "Post reply";
  var cancel = document.createElement("button");
  cancel.type = "button";
  cancel.className = "link-button";
  cancel.textContent = "Cancel";
  cancel.addEventListener("click", function () { form.remove(); link.focus(); });
  form.appendChild(cancel);
  box.appendChild(form);
  form.querySelector("textarea").focus();
});

// Times. The page says when a comment was written ("1 Jun 2021, 14:05" in <time datetime>),
// the same bytes for every reader at any moment, so it can be cached; here it becomes
// "3 minutes ago · 14:05" (the time of day stays in sight: touch screens have no tooltip;
// the day too once it is not today), the exact time kept as its tooltip, refreshed every
// minute. Past 30 days the date itself says more, and stays.
(function () {
  var units = [["minute", 60, 60], ["hour", 3600, 24], ["day", 86400, 30]];
  function ago(seconds) {
    if (seconds < 60) return "just now";
    for (var i = 0; i < units.length; i++) {
      var count = Math.floor(seconds / units[i][1]);
      if (count < units[i][2]) return count + " " + units[i][0] + (count === 1 ? "" : "s") + " ago";
    }
    return null;
  }
  function refresh() {
    var now = Date.now();
    document.querySelectorAll(".comment > article > header time[datetime], .comment-context time[datetime]").forEach(function (time) {
      if (!time.title) time.title = time.textContent;
      var seconds = Math.max(0, (now - Date.parse(time.getAttribute("datetime"))) / 1000);
      var relative = ago(seconds), written = new Date(time.getAttribute("datetime"));
      var clock = time.title.slice(time.title.lastIndexOf(" ") + 1);
      var today = written.toDateString() === new Date(now).toDateString();
      time.textContent = relative ? relative + " · " + (today ? clock : time.title) : time.title;
    });
  }
  refresh();
  setInterval(refresh, 60000);
})();

// The Edit link of one's own comment is offered while the comment may still be edited
// (data-until, the end of that window); it goes away then, as the page would be written then.
document.querySelectorAll("a[data-until]").forEach(function (link) {
  var left = Date.parse(link.getAttribute("data-until")) - Date.now();
  setTimeout(function () { link.remove(); }, Math.max(0, Math.min(left, 2147483647)));
});

// A long comment's "Read more" (comments/markup.py folds those that may run past twelve
// lines on a phone) is taken away where the words fit anyway, as on a wide screen.
document.querySelectorAll(".comment > article > div + details").forEach(function (fold) {
  var words = fold.previousElementSibling;
  if (words.scrollHeight <= words.clientHeight + 1) { fold.remove(); }
});

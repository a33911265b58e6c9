// Replying in place. Without this script (or when signed out) the Reply link opens the reply
// page, which works everywhere; with it, a signed-in reader gets the same form under the
// comment. The form is a copy of the page's own comment form, CSRF token included.
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest(".comment__actions a[href$='/reply/']");
  var template = document.querySelector("form.comment-form[data-new-comment]");
  if (!link || !template || event.ctrlKey || event.metaKey || event.shiftKey) return;
  event.preventDefault();
  var box = link.closest(".comment__box");
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

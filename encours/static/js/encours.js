/* Behaviours every page shares, kept out of the markup so that the Content-Security-Policy can
   forbid inline scripts and event handlers:
   - data-autosubmit on a field submits its form when the field changes (filters, language);
   - data-confirm on a form asks before submitting it. */
document.addEventListener("change", function (event) {
  var field = event.target;
  if (field.matches && field.matches("[data-autosubmit]") && field.form) {
    if (field.form.requestSubmit) field.form.requestSubmit(); else field.form.submit();
  }
});
document.addEventListener("submit", function (event) {
  var question = event.target.getAttribute && event.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) event.preventDefault();
});

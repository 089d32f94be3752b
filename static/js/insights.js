// Insights: a print button for the leadership-meeting report (the page works without it).
const button = document.querySelector("[data-print]");
if (button && typeof window.print === "function") {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}

// The comparison's own fields show only for the comparison chosen (without JavaScript all show,
// with a note saying which are used).
const compare = document.querySelector("#compare");
if (compare) {
  const show = () => {
    for (const field of document.querySelectorAll("[data-when-compare]")) {
      field.hidden = field.dataset.whenCompare !== compare.value;
    }
    const note = document.querySelector("[data-compare-note]");
    if (note) note.hidden = true;
  };
  compare.addEventListener("change", show);
  show();
}

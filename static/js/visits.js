// Visit pages: filter the teacher picker while typing (the search button still works without JS).
const search = document.querySelector("[data-filter-list]");
if (search) {
  const list = document.getElementById(search.dataset.filterList);
  const rows = list ? [...list.querySelectorAll("li[data-name]")] : [];
  search.addEventListener("input", () => {
    const wanted = search.value.trim().toLowerCase();
    for (const row of rows) row.hidden = wanted !== "" && !row.dataset.name.includes(wanted);
  });
}

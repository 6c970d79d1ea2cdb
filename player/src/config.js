// The page's runtime configuration, served beside it as config.json (`make dev` writes one
// for its emulators; a deployment serves its own): {firebase, apiUrl, emulators?}.
export async function loadConfig(url = "config.json") {
  const answer = await fetch(url, { cache: "no-store" });
  if (!answer.ok) throw new Error(`Cannot read ${url} (${answer.status}): the page needs its configuration.`);
  return answer.json();
}

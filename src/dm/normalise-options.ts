// The model's options become 3-5 distinct, trimmed, non-empty actions whatever it returned,
// so a turn never fails or shows a broken row of buttons because of phase 3.

export const MINIMUM_OPTIONS = 3;
export const MAXIMUM_OPTIONS = 5;
/** Full option text kept for the prompt; Discord labels are shortened separately. */
export const MAXIMUM_OPTION_LENGTH = 300;

export const SAFE_DEFAULT_OPTIONS = [
  'Look around carefully',
  'Talk to whoever is nearby',
  'Press on ahead',
  'Take a moment to rest and regroup',
  'Search for anything useful',
];

/**
 * `lastIsCut`: the model was stopped by the token cap inside the list, so its last item is most likely half an option
 * ("Sea" for "Search the cellar") and is left out; the safe defaults make up the minimum as ever.
 */
export function normaliseOptions(candidates: readonly unknown[], { lastIsCut = false }: { lastIsCut?: boolean } = {}): string[] {
  if (lastIsCut) candidates = candidates.slice(0, -1);
  const options: string[] = [];
  const seen = new Set<string>();
  const add = (candidate: string): void => {
    const option = cleanOption(candidate);
    const key = option.toLocaleLowerCase();
    if (option === '' || seen.has(key) || options.length >= MAXIMUM_OPTIONS) return;
    seen.add(key);
    options.push(option);
  };
  for (const candidate of candidates) if (typeof candidate === 'string') add(candidate);
  for (const fallback of SAFE_DEFAULT_OPTIONS) {
    if (options.length >= MINIMUM_OPTIONS) break;
    add(fallback);
  }
  return options;
}

function cleanOption(text: string): string {
  const cleaned = text
    .replace(/\s+/g, ' ')
    .trim()
    // Models number or bullet their lists even when told not to.
    .replace(/^(?:\d+[.)]|[-*•])\s+/, '')
    .replace(/^["'“]+|["'”]+$/g, '')
    .trim();
  return cleaned.length > MAXIMUM_OPTION_LENGTH ? `${cleaned.slice(0, MAXIMUM_OPTION_LENGTH - 1).trimEnd()}…` : cleaned;
}

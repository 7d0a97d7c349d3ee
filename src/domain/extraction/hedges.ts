/**
 * Word lists for the extraction heuristics, kept together so docs/pipeline.md and the
 * corpus can be checked against one place. All lower-case, matched on tokens.
 */
export const HEDGE_WORDS = new Set([
  'rumour', 'rumours', 'rumoured', 'rumor', 'rumors', 'rumored', 'allegedly', 'alleged',
  'unconfirmed', 'reportedly', 'supposedly', 'purportedly', 'unverified', 'hearsay',
]);

/** Words that, shortly before a change verb, make the statement non-factual. */
export const NEGATION_WORDS = new Set([
  'not', 'never', 'no', "didn't", "didn’t", "don't", "doesn't", "couldn't", "couldn’t", 'cannot', "can't", "wasn't",
  "weren't", "hasn't", "haven't", "hadn't", "won't", "wouldn't", 'failed', 'fail', 'fails', 'nearly', 'almost',
  'without', 'tried', 'tries', 'attempted', 'attempts', 'plans', 'planned', 'planning', 'hoped', 'hopes',
  'sought', 'seeks', 'wants', 'wanted', 'would', 'might', 'may', 'could', 'should', 'threatened', 'threatens',
  'unable', 'if', 'unless', 'whether', 'longer',
]);

export const NEGATION_WINDOW = 4;

export const CAPITALISED_STOPWORDS = new Set([
  'i', 'the', 'a', 'an', 'and', 'but', 'or', 'oh', 'ah', 'yes', 'no', 'hey', 'well', 'okay', 'ok', 'sir', 'lady', 'lord',
  'god', 'gods', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday', 'january',
  'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december',
  'gm', 'he', 'she', 'they', 'we', 'you', 'it', 'his', 'her', 'their', 'our', 'my', 'your', 'its', 'this', 'that',
  'these', 'those', 'there', 'then', 'when', 'while', 'as', 'if', 'so', 'now', 'still', 'even', 'north', 'south',
  'east', 'west', 'act', 'scene', 'chapter',
]);

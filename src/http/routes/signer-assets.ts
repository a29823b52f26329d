/**
 * `GET /assets/…` for the signer pages' script, its stylesheet and pdf.js (issue 4): only the
 * paths of the fixed allow-list in src/web/assets.ts answer; anything else (a traversal, another
 * file of the package) falls through to the 404 handler.
 */
import { Router } from 'express';
import { staticAssets } from '../../web/index.ts';

export function signerAssetsRouter(): Router {
  const assets = staticAssets();
  const router = Router();
  router.get('/assets/*rest', (req, res, next) => {
    const asset = assets.get(req.path);
    if (!asset) return next();
    res
      .set({ 'Cache-Control': `public, max-age=${asset.maxAge}${asset.maxAge > 86_400 ? ', immutable' : ''}`, 'Content-Type': asset.type })
      .sendFile(asset.file, { headers: { 'Content-Type': asset.type }, dotfiles: 'deny' });
  });
  return router;
}

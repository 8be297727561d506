import type { EnrichContext, Step } from './pipeline.js';

/**
 * Bot rules (one place; README "Bots"). A hit is a bot when:
 * - 'no_user_agent':        the request had no User-Agent (every browser sends one);
 * - 'ua':                   isbot (omrilotan/isbot, a maintained pattern list) matches the UA;
 * - 'crawler_range':        the IP is in a published crawler range (Googlebot, Bingbot, DuckDuckBot,
 *                           OpenAI, Perplexity, Pingdom, StatusCake: lord-alfred/ipranges, CC0);
 * - 'datacenter_no_browser': the IP is on a hosting network (is_hosting) and the UA names no browser
 *                           ua-parser-js knows (scripts and headless tools, not people on a VPN).
 * People on a hosting/VPN network with a real browser are not bots: visitor_type privacy_user.
 * Server-side hits (request.server_side) are never bots: they get properties.server_side = true and, when
 * a rule matched, properties.bot_reason; visitor_type then follows the network rules like any visitor.
 * properties.intake names the intake of hits that did not come from the tracker.
 */
export function botStep(): Step {
  return {
    name: 'bot',
    run(ctx: EnrichContext) {
      const ua = ctx.request.user_agent;
      let reason: string | null = null;
      if (!ua || ua.trim() === '') reason = 'no_user_agent';
      else if (ctx.device?.isBotUa) reason = 'ua';
      else if (ctx.network?.isCrawlerRange) reason = 'crawler_range';
      else if (ctx.network?.isHosting === true && !ctx.device?.browser) reason = 'datacenter_no_browser';
      ctx.botReason = reason;
      if (ctx.request.source) ctx.properties.intake = ctx.request.source;
      if (ctx.request.server_side) {
        // Sent by an authenticated backend (POST /v1/events, GA4 MP, Segment): the rules above judge
        // the visitor the sender describes, often a server with no browser UA. Flagged, never dropped.
        ctx.properties.server_side = true;
        if (reason) ctx.properties.bot_reason = reason;
        ctx.isBot = false;
        return;
      }
      ctx.isBot = reason !== null;
    },
  };
}

/**
 * Site bot_policy (parseSiteConfig): 'drop' stops the hit (counted as dropped{reason="bot"}); 'keep'
 * stores it with visitor_type 'bot' and the reason in properties.bot_reason.
 */
export function botPolicyStep(): Step {
  return {
    name: 'bot_policy',
    run(ctx: EnrichContext) {
      if (!ctx.isBot) return;
      if (ctx.siteConfig.bot_policy === 'drop') return { drop: 'bot' };
      ctx.row.visitor_type = 'bot';
      ctx.properties.bot_reason = ctx.botReason;
    },
  };
}

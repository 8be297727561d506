import { useQuery } from '@tanstack/react-query';
import { get } from '../api';
import { Panel } from '../ui';

interface ScoreDetail {
  /** null: not scored yet. */
  score: null | {
    score: number;
    engagement: number;
    intent: number;
    fit: number;
    parts: Record<string, number | Record<string, number>>;
    computed_at: string;
  };
  history: { day: string; score: number; engagement: number; intent: number; fit: number }[];
}

const PART_LABELS: Record<string, string> = {
  sessions: 'Visits',
  page_views: 'Pages seen',
  time: 'Time on site',
  returning: 'Came back on other days',
  recency: 'Recency',
  intent_pages: 'High-intent pages',
  goals: 'Intent goals',
  industry: 'Industry fit',
  size: 'Size fit',
  country: 'Country fit',
};

/** A company's lead score on the site: the total, its three parts, each input's points, the history. */
export function LeadScorePanel({ siteId, domain }: { siteId: string; domain: string }) {
  const q = useQuery({
    queryKey: ['lead-score', siteId, domain],
    queryFn: () => get<ScoreDetail>(`/v1/sites/${siteId}/lead-scores/${encodeURIComponent(domain)}`),
  });
  if (q.isPending) return null;
  if (!q.data?.score)
    return (
      <Panel title="Lead score">
        <p className="muted">No score yet (it is computed as visits arrive).</p>
      </Panel>
    );
  const { score, history } = q.data as ScoreDetail & { score: NonNullable<ScoreDetail['score']> };
  return (
    <Panel title="Lead score">
      <dl className="facts">
        <div>
          <dt>Score</dt>
          <dd data-metric="lead-score">{score.score} / 100</dd>
        </div>
        <div>
          <dt>Engagement</dt>
          <dd>{score.engagement} / 40</dd>
        </div>
        <div>
          <dt>Intent</dt>
          <dd>{score.intent} / 35</dd>
        </div>
        <div>
          <dt>Fit</dt>
          <dd>{score.fit} / 25</dd>
        </div>
      </dl>
      <table className="data">
        <tbody>
          {Object.entries(PART_LABELS).map(([k, label]) => (
            <tr key={k}>
              <th scope="row">{label}</th>
              <td className="num">{String(score.parts[k] ?? 0)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {history.length > 1 && (
        <p className="muted small">
          History: {history.map((h) => `${h.day.slice(5)} ${h.score}`).join(' · ')}
        </p>
      )}
    </Panel>
  );
}

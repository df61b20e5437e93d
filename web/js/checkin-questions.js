// The check-in questionnaires' words: PHQ-9, GAD-7 (each item answered 0-3 with the
// frequency labels) and the mood check-in (0-10 and an optional word). The server scores
// them (practice/measures.h); the items are in its order.
export const FREQUENCY = ['Not at all', 'Several days', 'More than half the days', 'Nearly every day'];

export const MEASURES = {
  phq9: {
    title: 'PHQ-9',
    intro: 'Over the last 2 weeks, how often have you been bothered by any of the following problems?',
    items: [
      'Little interest or pleasure in doing things',
      'Feeling down, depressed, or hopeless',
      'Trouble falling or staying asleep, or sleeping too much',
      'Feeling tired or having little energy',
      'Poor appetite or overeating',
      'Feeling bad about yourself — or that you are a failure or have let yourself or your family down',
      'Trouble concentrating on things, such as reading the newspaper or watching television',
      'Moving or speaking so slowly that other people could have noticed; or the opposite — being so fidgety or restless that you have been moving around a lot more than usual',
      'Thoughts that you would be better off dead, or of hurting yourself in some way',
    ],
  },
  gad7: {
    title: 'GAD-7',
    intro: 'Over the last 2 weeks, how often have you been bothered by the following problems?',
    items: [
      'Feeling nervous, anxious, or on edge',
      'Not being able to stop or control worrying',
      'Worrying too much about different things',
      'Trouble relaxing',
      'Being so restless that it is hard to sit still',
      'Becoming easily annoyed or irritable',
      'Feeling afraid, as if something awful might happen',
    ],
  },
};

export const MOOD_WORD_MAX = 40; // core/limits.h LIMIT_MOOD_WORD

import {describe, expect, it} from 'vitest'

import {QuestionError, splitQuestion} from '../../../src/core/policy-tests/question.js'

describe('splitQuestion: auth can-i words, without a shell', () => {
  it.each([
    ['deploy service/churn --infra prod', {action: 'deploy', target: 'service/churn', infra: 'prod'}],
    ['deploy service/churn --infra=prod', {action: 'deploy', target: 'service/churn', infra: 'prod'}],
    ['  deploy\tinfra/prod   --service churn --id churn-canary ', {action: 'deploy', target: 'infra/prod', service: 'churn', id: 'churn-canary'}],
    ['create service', {action: 'create', target: 'service'}],
    ['--infra prod deploy service/churn', {action: 'deploy', target: 'service/churn', infra: 'prod'}],
  ])('%s', (text, words) => {
    expect(splitQuestion(text)).toEqual(words)
  })

  it.each([
    ['deploy', /a question is ACTION TARGET/],
    ['read service/a service/b', /unexpected word 'service\/b'/],
    ['deploy service/churn --infra', /--infra needs a value/],
    ['deploy service/churn --infra --id x', /--infra needs a value/],
    ['deploy service/churn --infra=', /--infra needs a value/],
    ['deploy service/churn --infra a --infra b', /--infra is given twice/],
    ['read service/churn --as bob', /the account is the test's 'as', not --as/],
    ['read service/churn --explain', /unknown flag '--explain': a question takes --infra, --service, --id/],
    ['read service/churn -I prod', /unknown flag '-I'/],
    ["read 'service/churn'", /"'" is not taken in a question/],
    ['read "service/churn"', /is not taken in a question/],
    ['read service/$(id)', /"\$" is not taken/],
    ['read service/a\\ b', /is not taken/],
    ['read service/churn --bad\u001b[2J', /unknown flag '--bad\\x1b\[2J'/],
  ])('refuses %j', (text, message) => {
    expect(() => splitQuestion(text)).toThrow(QuestionError)
    expect(() => splitQuestion(text)).toThrow(message)
  })
})
